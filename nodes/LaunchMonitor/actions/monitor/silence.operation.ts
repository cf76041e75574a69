import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../../../ledger';
import { isoTime, utcIfNoZone } from '../../../shared/monitorFormat';
import { launchOf, numberParameter, requiredText, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { ruleProperty, type MonitorOperation } from '../common';
import { statusJson } from './messages';

const show = { show: { operation: ['silence'] } };

export const description: INodeProperties[] = [
	ruleProperty(['silence'], true),
	{
		displayName: 'Silence',
		name: 'silenceMode',
		type: 'options',
		options: [
			{ name: 'For a Number of Minutes', value: 'minutes', description: 'E.g. 120 while you fix something you already know about.' },
			{ name: 'Until a Date and Time', value: 'until', description: 'E.g. until the planned maintenance ends.' },
		],
		default: 'minutes',
		displayOptions: show,
	},
	{
		displayName: 'Minutes',
		name: 'minutes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'How long to hold the alert\'s messages, from now',
		displayOptions: { show: { operation: ['silence'], silenceMode: ['minutes'] } },
	},
	{
		displayName: 'Until',
		name: 'until',
		type: 'dateTime',
		default: '',
		description: 'When messages start again, in UTC unless the time says otherwise; an alert still firing then is announced at once',
		displayOptions: { show: { operation: ['silence'], silenceMode: ['until'] } },
	},
	{
		displayName: 'By',
		name: 'by',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. maya@example.com',
		description: 'Who silences it; recorded in the launch history',
		displayOptions: show,
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		placeholder: 'e.g. Planned Kit maintenance 14:00–15:00 UTC',
		description: 'Why (optional); recorded in the launch history',
		displayOptions: show,
	},
];

/** When the silence ends: now + minutes, or the date given. */
function untilOf(ctx: IExecuteFunctions, itemIndex: number, now: number): number | string {
	if (ctx.getNodeParameter('silenceMode', itemIndex, 'minutes') === 'until') {
		const until = textParameter(ctx, 'until', itemIndex);
		if (until === '' || Number.isNaN(Date.parse(until))) {
			throw new LedgerInputError('until', `must be a date and time, e.g. 2026-03-01T18:00:00Z; got ${JSON.stringify(until)}`);
		}
		return utcIfNoZone(until);
	}
	const minutes = numberParameter(ctx, 'minutes', itemIndex, 60);
	if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 60 * 24 * 30) {
		throw new LedgerInputError('minutes', `must be a number of minutes from 1 to 43200 (30 days); got ${JSON.stringify(ctx.getNodeParameter('minutes', itemIndex, 60))}`);
	}
	return now + Math.round(minutes * 60_000);
}

/** No messages for the alert (or all of them) until the silence ends; who and why go into the launch history. */
export const execute: MonitorOperation = async function (ledger, itemIndex) {
	const now = Date.now();
	const launch = launchOf(this, itemIndex);
	const rule = textParameter(this, 'rule', itemIndex);
	const until = untilOf(this, itemIndex, now);
	const silenced = await ledger.monitor.silence({
		launch,
		rule,
		until,
		by: requiredText(this, 'by', itemIndex, '"maya@example.com"'),
		reason: textParameter(this, 'reason', itemIndex) || undefined,
		now,
	});
	return [done({ launch, rule, until: isoTime(silenced[0]?.silenced?.until ?? null), alerts: silenced.map(statusJson) })];
};
