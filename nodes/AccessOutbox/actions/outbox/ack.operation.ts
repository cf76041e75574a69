import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { claimProofOf, entryIdProperty, settleInBatches, text } from '../common';

export const description: INodeProperties[] = [
	...entryIdProperty('ack'),
	{
		displayName: 'Vendor Response ID',
		name: 'responseId',
		type: 'string',
		default: '',
		placeholder: 'rec_12345',
		description: 'The record or request ID the vendor answered with, kept on the entry',
		displayOptions: { show: { operation: ['ack'] } },
	},
];

/** Outcome per item: done, already_done, lease_lost (another run holds it now) or not_found. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return settleInBatches(
		this,
		items,
		(i) => ({ ...claimProofOf(this, i), responseId: text(this, 'responseId', i) || null }),
		async (launch, acks) => (await ledger.outbox.ack(launch, acks)).map((r) => ({ ...r })),
	);
}
