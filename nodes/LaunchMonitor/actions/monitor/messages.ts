import type { IDataObject } from 'n8n-workflow';

import type { AlertItem, AlertStatus, DigestItem } from '../../../../ledger';
import { durationText, isoTime, utcText } from '../../../shared/monitorFormat';

/**
 * The items Evaluate Alerts sends on: every field of the ledger's announcement, times as ISO text,
 * and a ready message — `subject` (one line) and `text` (a few lines: what, how bad, since when,
 * what to do first, the dashboard link) — that a Slack, Discord or email step sends as it is.
 */

const SEVERITY_MARK = { critical: '🔴', warning: '🟠' } as const;

function launchName(launch: string): string {
	return launch === 'default' ? '' : ` (launch "${launch}")`;
}

/** One line: "🔴 FIRING · critical · Signups dropped". */
export function alertSubject(item: Pick<AlertItem, 'kind' | 'severity' | 'title' | 'launch'>): string {
	const head =
		item.kind === 'resolved' ? '✅ RESOLVED' : item.kind === 'reminder' ? `${SEVERITY_MARK[item.severity]} STILL FIRING` : `${SEVERITY_MARK[item.severity]} FIRING`;
	return `${head} · ${item.severity} · ${item.title}${launchName(item.launch)}`;
}

export function alertText(item: AlertItem, dashboardUrl: string): string {
	const lines = [alertSubject(item), item.summary];
	if (item.kind === 'resolved') {
		lines.push(`Fired ${utcText(item.since)}, resolved ${utcText(item.resolvedAt)} (lasted ${durationText(item.firingForMs)}).`);
	} else {
		lines.push(`Since ${utcText(item.since)} (${durationText(item.firingForMs)}).`);
		if (item.kind === 'reminder') lines.push('Nobody has acknowledged it yet: acknowledge it to stop the reminders, or silence it.');
		lines.push(`What to do first: ${item.advice}`);
	}
	if (dashboardUrl) lines.push(`Dashboard: ${dashboardUrl}`);
	return lines.filter((l) => l !== '').join('\n');
}

/** An announcement as an output item. */
export function alertJson(item: AlertItem, dashboardUrl: string): IDataObject {
	return {
		kind: item.kind,
		launch: item.launch,
		rule: item.rule,
		title: item.title,
		severity: item.severity,
		summary: item.summary,
		whatToDoFirst: item.advice,
		since: isoTime(item.since),
		resolvedAt: isoTime(item.resolvedAt),
		firingFor: durationText(item.firingForMs),
		firingForMinutes: Math.round(item.firingForMs / 6_000) / 10,
		value: item.value,
		threshold: item.threshold,
		unit: item.unit,
		episode: item.episode,
		acknowledged: item.acknowledged ? { at: isoTime(item.acknowledged.at), by: item.acknowledged.by, note: item.acknowledged.note } : null,
		silencedUntil: isoTime(item.silencedUntil),
		evaluatedAt: isoTime(item.at),
		dashboardUrl: dashboardUrl || null,
		subject: alertSubject(item),
		text: alertText(item, dashboardUrl),
	};
}

export function digestJson(digest: DigestItem, dashboardUrl: string): IDataObject {
	const t = digest.last24h;
	const subject = digest.allClear
		? `📋 All clear${launchName(digest.launch)} · daily digest ${digest.day}`
		: `📋 ${digest.firing.length} alert${digest.firing.length === 1 ? '' : 's'} firing${launchName(digest.launch)} · daily digest ${digest.day}`;
	const lines = [
		subject,
		digest.allClear ? 'No alert is firing. This message comes once a day so that silence can be told apart from a muted channel.' : 'Firing now:',
		...digest.firing.map((f) => `- ${f.title} (${f.severity}, since ${utcText(f.since)}): ${f.summary}`),
		`Last 24 h (${t.hours} hourly snapshots): ${t.signups} signups (${t.newPeople} new people), ${t.refusedSignups} refused, ${t.matchedPurchases} of ${t.purchases} purchases matched to the waitlist.`,
	];
	if (dashboardUrl) lines.push(`Dashboard: ${dashboardUrl}`);
	return {
		kind: 'digest',
		launch: digest.launch,
		day: digest.day,
		allClear: digest.allClear,
		firing: digest.firing.map((f) => ({ ...f, since: isoTime(f.since) })),
		last24h: { ...t },
		evaluatedAt: isoTime(digest.at),
		dashboardUrl: dashboardUrl || null,
		subject,
		text: lines.join('\n'),
	};
}

/** An alert's state as the other operations output it. */
export function statusJson(status: AlertStatus): IDataObject {
	return {
		launch: status.launch,
		rule: status.rule,
		title: status.title,
		severity: status.severity,
		state: status.state,
		since: isoTime(status.since),
		episode: status.episode,
		summary: status.detail?.summary ?? null,
		value: status.detail?.value ?? null,
		threshold: status.detail?.threshold ?? null,
		unit: status.detail?.unit ?? null,
		whatToDoFirst: status.advice,
		acknowledged: status.acknowledged ? { at: isoTime(status.acknowledged.at), by: status.acknowledged.by, note: status.acknowledged.note } : null,
		silenced: status.silenced ? { until: isoTime(status.silenced.until), by: status.silenced.by, reason: status.silenced.reason } : null,
		reminders: status.reminders,
	};
}
