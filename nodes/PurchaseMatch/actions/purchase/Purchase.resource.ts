import type { INodeProperties } from 'n8n-workflow';

import { reviewOptionsProperty } from '../../../shared/reviewLink';

import * as dueRevocations from './dueRevocations.operation';
import * as match from './match.operation';
import * as replay from './replay.operation';
import * as replayUnprocessed from './replayUnprocessed.operation';

export { dueRevocations, match, replay, replayUnprocessed };

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
			{
				name: 'Replay Unprocessed Deliveries',
				value: 'replayUnprocessed',
				description: 'Decide payments whose run failed or stopped before Match Purchase (run on a schedule)',
				action: 'Replay unprocessed deliveries',
			},
		],
	},
	...match.description,
	...replay.description,
	...replayUnprocessed.description,
	...dueRevocations.description,
	// The operations whose items can leave on Review: each such item links to the review desk.
	reviewOptionsProperty({ show: { resource: ['purchase'], operation: ['match', 'replay', 'replayUnprocessed'] } }),
];
