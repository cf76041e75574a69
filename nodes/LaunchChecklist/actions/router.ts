import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runForEachItem } from '../../shared/runner';
import * as checklist from './checklist/Checklist.resource';
import { FIELD_LABELS, type ChecklistOperation } from './common';
import type { LaunchChecklistOperations } from './node.type';

const OPERATIONS: Record<LaunchChecklistOperations['checklist'], ChecklistOperation> = {
	runStep: checklist.runStep.execute,
	getReport: checklist.getReport.execute,
	cleanUp: checklist.cleanUp.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = (OPERATIONS as Record<string, ChecklistOperation | undefined>)[operation];
	if (!execute) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	return runForEachItem(this, { keys: ['done'], errorOutput: 'done', labels: FIELD_LABELS }, execute);
}
