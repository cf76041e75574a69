import type { INodeProperties } from 'n8n-workflow';

import { launchOf, requiredText, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { ruleProperty, type MonitorOperation } from '../common';
import { statusJson } from './messages';

export const description: INodeProperties[] = [
	ruleProperty(['unsilence'], true),
	{
		displayName: 'By',
		name: 'by',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. maya@example.com',
		description: 'Who ends the silence; recorded in the launch history',
		displayOptions: { show: { operation: ['unsilence'] } },
	},
];

/** Ends a silence early: an alert still firing is announced at the next evaluation. */
export const execute: MonitorOperation = async function (ledger, itemIndex) {
	const launch = launchOf(this, itemIndex);
	const rule = textParameter(this, 'rule', itemIndex);
	const alerts = await ledger.monitor.unsilence({ launch, rule, by: requiredText(this, 'by', itemIndex, '"maya@example.com"') });
	return [done({ launch, rule, alerts: alerts.map(statusJson) })];
};
