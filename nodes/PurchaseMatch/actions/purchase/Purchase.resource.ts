import type { INodeProperties } from 'n8n-workflow';

import * as dueRevocations from './dueRevocations.operation';
import * as match from './match.operation';
import * as replay from './replay.operation';

export { dueRevocations, match, replay };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['purchase'] } },
		default: 'match',
		options: [
			{
				name: 'Apply Due Revocations',
				value: 'dueRevocations',
				description: 'Revoke access of refunded purchases whose refund window is over (run on a schedule)',
				action: 'Apply due revocations',
			},
			{
				name: 'Match Purchase',
				value: 'match',
				description: 'Find the buyer among your contacts and decide access: grant, revoke, no change or review',
				action: 'Match a purchase',
			},
			{
				name: 'Replay After Review',
				value: 'replay',
				description: 'Decide a purchase that went to Review again, once you fixed the cause',
				action: 'Replay a reviewed purchase',
			},
		],
	},
	...match.description,
	...replay.description,
	...dueRevocations.description,
];
