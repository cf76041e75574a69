import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../../ledger';
import { launchOf } from '../../../shared/parameters';
import { routeDecision, type Routed } from '../common';

export const description: INodeProperties[] = [
	{
		displayName:
			'Run this from a Schedule Trigger (every few minutes): every refunded purchase whose refund window is over loses access now, and leaves on the Revoke output with its Access Outbox entry.',
		name: 'dueNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['dueRevocations'] } },
	},
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: 500,
		typeOptions: { minValue: 1, maxValue: 5000 },
		description: 'Most revocations to carry out in one run; the rest wait for the next run',
		displayOptions: { show: { operation: ['dueRevocations'] } },
	},
];

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const limit = this.getNodeParameter('batchSize', itemIndex, 500) as unknown;
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new LedgerInputError('batchSize', `must be a whole number of at least 1; got ${JSON.stringify(limit)}`);
	const decisions = await ledger.purchases.dueRevocations({ launch, limit });
	return decisions.map((decision) => routeDecision(launch, decision));
}
