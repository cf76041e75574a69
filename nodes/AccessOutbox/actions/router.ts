import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runForEachItem, runSettledPerLaunch } from '../../shared/runner';
import { OUTBOX_OUTPUTS, type OutboxItemOperation, type OutboxSettlement } from './common';
import * as outbox from './outbox/Outbox.resource';

const PER_ITEM: Record<string, OutboxItemOperation> = {
	claim: outbox.claim.execute,
	discardHeld: outbox.discardHeld.execute,
	enqueue: outbox.enqueue.execute,
	listDead: outbox.listDead.execute,
	listHeld: outbox.listHeld.execute,
	pause: outbox.pause.execute,
	releaseHeld: outbox.releaseHeld.execute,
	requeueDead: outbox.requeueDead.execute,
	resume: outbox.resume.execute,
	status: outbox.status.execute,
};

// Each settlement reads its own input type; the runner only hands it back to the same settlement.
const SETTLED_PER_LAUNCH: Record<string, OutboxSettlement<unknown>> = {
	ack: outbox.ack.settlement,
	fail: outbox.fail.settlement,
	release: outbox.release.settlement,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const perItem = PER_ITEM[operation];
	if (perItem) return runForEachItem(this, OUTBOX_OUTPUTS, perItem);
	const settlement = SETTLED_PER_LAUNCH[operation];
	if (settlement) return runSettledPerLaunch(this, OUTBOX_OUTPUTS, settlement);
	throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
}
