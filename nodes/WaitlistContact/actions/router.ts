import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runForEachItem, type OperationExecute } from '../../shared/execution';
import { CONTACT_FIELD_LABELS } from './common.descriptions';
import * as contact from './contact/Contact.resource';
import type { ContactOperation } from './node.type';

const OPERATIONS: Record<ContactOperation, OperationExecute> = {
	upsert: contact.upsert.execute,
	get: contact.get.execute,
	find: contact.find.execute,
	link: contact.link.execute,
	merge: contact.merge.execute,
	unmerge: contact.unmerge.execute,
	forget: contact.forget.execute,
	history: contact.history.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as ContactOperation;
	const execute = OPERATIONS[operation];
	if (!execute) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	return runForEachItem(this, execute, CONTACT_FIELD_LABELS);
}
