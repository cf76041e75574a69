import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../../../ledger';
import { isoTime } from '../../../shared/monitorFormat';
import { launchOf, numberParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { MonitorOperation } from '../common';
import { statusJson } from './messages';

const show = { show: { operation: ['getSignals'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Window',
		name: 'window',
		type: 'options',
		options: [
			{ name: 'Last Minutes', value: 'minutes', description: 'A window of your choice ending now, e.g. the last 60 minutes' },
			{ name: 'Launch Window (Default)', value: 'launch', description: 'The launch\'s window length ending now (5 minutes unless its settings say otherwise)' },
		],
		default: 'launch',
		description: 'Which stretch of time the counts cover. Backlogs (outbox, review, paid without access) are always as of now.',
		displayOptions: show,
	},
	{
		displayName: 'Minutes',
		name: 'minutes',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10080 },
		default: 60,
		description: 'How many minutes back from now, e.g. 60 for the last hour (at most 10080, a week)',
		displayOptions: { show: { operation: ['getSignals'], window: ['minutes'] } },
	},
	{
		displayName: 'Include Alerts',
		name: 'includeAlerts',
		type: 'boolean',
		default: true,
		description: 'Whether to add every alert\'s state (firing or ok, since when, latest numbers) to the item',
		displayOptions: show,
	},
];

/** The signals of a window, computed now and not kept (nothing is written). */
export const execute: MonitorOperation = async function (ledger, itemIndex) {
	const launch = launchOf(this, itemIndex);
	let windowMs: number | undefined;
	if (this.getNodeParameter('window', itemIndex, 'launch') === 'minutes') {
		const minutes = numberParameter(this, 'minutes', itemIndex, 60);
		if (!Number.isFinite(minutes) || minutes < 1 || minutes > 10_080) {
			throw new LedgerInputError('minutes', `must be a number of minutes from 1 to 10080 (a week); got ${JSON.stringify(this.getNodeParameter('minutes', itemIndex, 60))}`);
		}
		windowMs = Math.round(minutes * 60_000);
	}
	const now = Date.now();
	const signals = await ledger.monitor.signals({ launch, now, windowMs });
	const json: IDataObject = {
		...(structuredClone(signals) as unknown as IDataObject),
		window: { from: isoTime(signals.window.from), to: isoTime(signals.window.to), minutes: signals.window.ms / 60_000 },
		measuredAt: isoTime(signals.measuredAt),
		liveSince: isoTime(signals.liveSince),
	};
	if (this.getNodeParameter('includeAlerts', itemIndex, true) !== false) {
		const alerts = await ledger.monitor.alerts(launch, now);
		json.firing = alerts.filter((a) => a.state === 'firing').length;
		json.alerts = alerts.map(statusJson);
	}
	return [done(json)];
};
