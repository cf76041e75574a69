import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../../../ledger';
import { launchOf, textParameter } from '../../../shared/parameters';
import type { Routed } from '../../../shared/runner';
import type { EvaluateOperation, EvaluateOutput } from '../common';
import { alertJson, digestJson } from './messages';

/** The dashboard trigger's default path; the link every alert carries unless Dashboard URL says otherwise. */
export const DEFAULT_DASHBOARD_PATH = 'launch-monitor';

export const description: INodeProperties[] = [
	{
		displayName:
			'Judges the alert rules on the last complete window and sends on only what changed: an alert that started firing (Fired), one that recovered (Resolved), a reminder for one still firing after some hours without anyone acknowledging it (Reminder), and the optional daily digest (Digest). Each item has a ready "subject" and "text" for Slack, Discord or email. Thresholds, reminders and the digest are launch settings (Waitlist Contact → Launch Setting).',
		name: 'evaluateNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['evaluate'] } },
	},
	{
		displayName: 'Dashboard URL',
		name: 'dashboardUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://n8n.example.com/webhook/launch-monitor',
		description:
			'The link each alert carries: the Production URL of your Launch Monitor Dashboard Trigger. Empty: this n8n\'s address followed by /webhook/launch-monitor.',
		displayOptions: { show: { operation: ['evaluate'] } },
	},
];

/** The dashboard link: the parameter, or this n8n's base URL with the dashboard trigger's default path. */
export function dashboardUrlOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const given = textParameter(ctx, 'dashboardUrl', itemIndex);
	if (given !== '') {
		if (!/^https?:\/\/\S+$/i.test(given)) throw new LedgerInputError('dashboardUrl', `must be a web address starting with https:// or http://; got ${JSON.stringify(given)}`);
		return given;
	}
	const base = (ctx.getInstanceBaseUrl?.() ?? '').replace(/\/+$/, '');
	return base ? `${base}/webhook/${DEFAULT_DASHBOARD_PATH}` : '';
}

/** What changed since the last evaluation, each on its output; nothing when nothing changed. */
export const execute: EvaluateOperation = async function (ledger, itemIndex) {
	const launch = launchOf(this, itemIndex);
	const dashboardUrl = dashboardUrlOf(this, itemIndex);
	const result = await ledger.monitor.evaluate({ launch });
	const routed: Array<Routed<EvaluateOutput>> = [
		...result.fired.map((item) => ({ output: 'fired' as const, json: alertJson(item, dashboardUrl) })),
		...result.resolved.map((item) => ({ output: 'resolved' as const, json: alertJson(item, dashboardUrl) })),
		...result.reminders.map((item) => ({ output: 'reminder' as const, json: alertJson(item, dashboardUrl) })),
	];
	if (result.digest) routed.push({ output: 'digest', json: digestJson(result.digest, dashboardUrl) });
	return routed;
};
