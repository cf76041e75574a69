import type { INodeProperties } from 'n8n-workflow';

import { claimProofOf, claimProofProperties, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxSettlement } from '../common';

export const description: INodeProperties[] = [
	...claimProofProperties('ack'),
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
export const settlement: OutboxSettlement<{ id: string; claimToken: string; responseId: string | null }> = {
	read(itemIndex) {
		return { ...claimProofOf(this, itemIndex), responseId: textParameter(this, 'responseId', itemIndex) || null };
	},
	async settle(ledger, launch, acks) {
		return (await ledger.outbox.ack(launch, acks)).map((result) => done({ ...result }));
	},
};
