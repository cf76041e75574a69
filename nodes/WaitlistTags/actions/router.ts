import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { DONE_REVIEW_KEYS, runForEachItem, type ItemOperation } from '../../shared/runner';
import { TAG_FIELD_LABELS } from './common.descriptions';
import type { TagsOperations } from './node.type';
import * as registry from './registry/Registry.resource';
import * as tag from './tag/Tag.resource';

const OPERATIONS: { [R in keyof TagsOperations]: Record<TagsOperations[R], ItemOperation> } = {
	tag: { apply: tag.apply.execute, remove: tag.remove.execute, normalize: tag.normalize.execute },
	registry: {
		add: registry.add.execute,
		alias: registry.alias.execute,
		import: registry.importRegistry.execute,
		export: registry.exportRegistry.execute,
		list: registry.list.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as keyof TagsOperations;
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = (OPERATIONS[resource] as Record<string, ItemOperation> | undefined)?.[operation];
	if (!execute) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for "${resource}"`);
	return runForEachItem(this, { keys: DONE_REVIEW_KEYS, errorOutput: 'done', labels: TAG_FIELD_LABELS }, execute);
}
