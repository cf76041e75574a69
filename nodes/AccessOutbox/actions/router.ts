import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { ledgerFor } from '../../shared/ledgerAccess';
import type { OutboxOperation } from './common';
import * as outbox from './outbox/Outbox.resource';

const OPERATIONS: Record<string, OutboxOperation> = {
	ack: outbox.ack.execute,
	claim: outbox.claim.execute,
	discardHeld: outbox.discardHeld.execute,
	enqueue: outbox.enqueue.execute,
	fail: outbox.fail.execute,
	listDead: outbox.listDead.execute,
	listHeld: outbox.listHeld.execute,
	pause: outbox.pause.execute,
	release: outbox.release.execute,
	releaseHeld: outbox.releaseHeld.execute,
	requeueDead: outbox.requeueDead.execute,
	resume: outbox.resume.execute,
	status: outbox.status.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	const items = this.getInputData();
	let ledger;
	try {
		ledger = await ledgerFor(this);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), error as Error, {
			description: 'Could not open the ledger. Check the Waitlist Ledger credential and that its database is reachable.',
		});
	}
	return [await run.call(this, ledger, items)];
}
