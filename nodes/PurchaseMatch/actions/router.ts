import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runForEachItem } from '../../shared/runner';
import * as access from './access/Access.resource';
import * as checkout from './checkout/Checkout.resource';
import { outputsOf, type PurchaseOperation } from './common';
import type { PurchaseMatchOperations } from './node.type';
import * as product from './product/Product.resource';
import * as purchase from './purchase/Purchase.resource';

const OPERATIONS: { [R in keyof PurchaseMatchOperations]: Record<PurchaseMatchOperations[R], PurchaseOperation> } = {
	checkout: { createToken: checkout.createToken.execute },
	purchase: { match: purchase.match.execute, replay: purchase.replay.execute, replayUnprocessed: purchase.replayUnprocessed.execute, dueRevocations: purchase.dueRevocations.execute },
	access: { pin: access.pin.execute, unpin: access.unpin.execute, getAccess: access.get.execute },
	product: { defineProduct: product.define.execute },
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0, 'purchase') as keyof PurchaseMatchOperations;
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = (OPERATIONS[resource] as Record<string, PurchaseOperation> | undefined)?.[operation];
	if (!execute) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for "${resource}"`);
	return runForEachItem(this, outputsOf(operation), execute);
}
