import type { INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../../../ledger';
import { claimProofOf, claimProofProperties, numberParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxSettlement } from '../common';

export const description: INodeProperties[] = [
	...claimProofProperties('release'),
	{
		displayName: 'Delay (Seconds)',
		name: 'delaySeconds',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 0 },
		description: 'When the entry may be claimed again. Releasing does not count as an attempt.',
		displayOptions: { show: { operation: ['release'] } },
	},
];

/** Gives claimed entries back without counting an attempt. */
export const settlement: OutboxSettlement<{ id: string; claimToken: string; delayMs: number }> = {
	read(itemIndex) {
		const seconds = numberParameter(this, 'delaySeconds', itemIndex, 0);
		if (!Number.isFinite(seconds) || seconds < 0) throw new LedgerInputError('delayMs', 'must be 0 or more seconds');
		return { ...claimProofOf(this, itemIndex), delayMs: Math.round(seconds * 1000) };
	},
	async settle(ledger, launch, proofs) {
		return (await ledger.outbox.release(launch, proofs)).map((result) => done({ ...result }));
	},
};
