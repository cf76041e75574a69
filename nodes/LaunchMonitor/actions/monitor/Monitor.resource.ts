import type { INodeProperties } from 'n8n-workflow';

import * as acknowledge from './acknowledge.operation';
import * as evaluate from './evaluate.operation';
import * as getSignals from './getSignals.operation';
import * as silence from './silence.operation';
import * as takeSnapshot from './takeSnapshot.operation';
import * as unsilence from './unsilence.operation';

export { acknowledge, evaluate, getSignals, silence, takeSnapshot, unsilence };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Acknowledge',
				value: 'acknowledge',
				description: 'Say that someone is on a firing alert: no more reminders for it',
				action: 'Acknowledge an alert',
			},
			{
				name: 'End Silence',
				value: 'unsilence',
				description: 'Let a silenced alert\'s messages through again before the silence ends',
				action: 'End a silence',
			},
			{
				name: 'Evaluate Alerts',
				value: 'evaluate',
				description: 'Judge the alert rules and send on what fired, resolved or needs a reminder',
				action: 'Evaluate the alerts',
			},
			{
				name: 'Get Signals',
				value: 'getSignals',
				description: 'Signups, UTM fidelity, purchase matching and delivery health right now',
				action: 'Get the launch signals',
			},
			{
				name: 'Silence',
				value: 'silence',
				description: 'Hold an alert\'s messages (or all of them) for a while, e.g. during planned maintenance',
				action: 'Silence an alert',
			},
			{
				name: 'Take Snapshot',
				value: 'takeSnapshot',
				description: 'Keep the last window\'s signals in the ledger for trends and the dashboard',
				action: 'Take a snapshot',
			},
		],
		default: 'evaluate',
	},
	...takeSnapshot.description,
	...evaluate.description,
	...getSignals.description,
	...acknowledge.description,
	...silence.description,
	...unsilence.description,
];
