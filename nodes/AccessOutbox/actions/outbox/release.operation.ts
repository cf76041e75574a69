import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../../ledger';
import { claimProofOf, entryIdProperty, numberParameter, settleInBatches } from '../common';

export const description: INodeProperties[] = [
	...entryIdProperty('release'),
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

export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return settleInBatches(
		this,
		items,
		(i) => {
			const seconds = numberParameter(this, 'delaySeconds', i, 0);
			if (!Number.isFinite(seconds) || seconds < 0) throw new LedgerInputError('delayMs', 'must be 0 or more seconds');
			return { ...claimProofOf(this, i), delayMs: Math.round(seconds * 1000) };
		},
		async (launch, proofs) => (await ledger.outbox.release(launch, proofs)).map((r) => ({ ...r })),
	);
}
