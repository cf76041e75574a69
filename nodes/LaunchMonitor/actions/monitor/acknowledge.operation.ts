import type { INodeProperties } from 'n8n-workflow';

import { launchOf, requiredText, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { ruleProperty, type MonitorOperation } from '../common';
import { statusJson } from './messages';

const show = { show: { operation: ['acknowledge'] } };

export const description: INodeProperties[] = [
	ruleProperty(['acknowledge'], false),
	{
		displayName: 'By',
		name: 'by',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. maya@example.com',
		description: 'Who has seen the alert and is on it; recorded in the launch history',
		displayOptions: show,
	},
	{
		displayName: 'Note',
		name: 'note',
		type: 'string',
		default: '',
		placeholder: 'e.g. Kit is down, their status page says 30 minutes',
		description: 'What you know or are doing about it (optional)',
		displayOptions: show,
	},
];

/** A person has seen a firing alert: no more reminders for it (if it resolves and fires again, that is announced). */
export const execute: MonitorOperation = async function (ledger, itemIndex) {
	const status = await ledger.monitor.acknowledge({
		launch: launchOf(this, itemIndex),
		rule: textParameter(this, 'rule', itemIndex),
		by: requiredText(this, 'by', itemIndex, '"maya@example.com"'),
		note: textParameter(this, 'note', itemIndex) || undefined,
	});
	return [done(statusJson(status))];
};
