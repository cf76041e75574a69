import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runForEachItem } from '../../shared/runner';
import { FIELD_LABELS, type ReviewOperation } from './common';
import type { WaitlistReviewOperations } from './node.type';
import * as reviewItem from './reviewItem/ReviewItem.resource';

const OPERATIONS: Record<WaitlistReviewOperations['reviewItem'], ReviewOperation> = {
	list: reviewItem.list.execute,
	get: reviewItem.get.execute,
	resolve: reviewItem.resolve.execute,
	dismiss: reviewItem.dismiss.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = (OPERATIONS as Record<string, ReviewOperation | undefined>)[operation];
	if (!execute) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	// Errors leave on the one output under "continue on fail" (or on n8n's error output).
	return runForEachItem(this, { keys: ['done'], errorOutput: 'done', labels: FIELD_LABELS }, execute);
}
