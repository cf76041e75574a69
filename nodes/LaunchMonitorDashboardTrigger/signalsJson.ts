import { isoTime } from '../shared/monitorFormat';
import type { DashboardData } from './dashboardData';

/** …/signals.json: the live signals, every alert's state and the sparkline series, for other tools. */
export function signalsJson(data: DashboardData): Record<string, unknown> {
	return {
		launch: data.launch,
		generatedAt: isoTime(data.now),
		windowSeconds: data.windowMs / 1000,
		signals: data.live,
		firing: data.alerts.filter((a) => a.state === 'firing').map((a) => ({ rule: a.rule, title: a.title, severity: a.severity, since: isoTime(a.since), summary: a.detail?.summary ?? null, whatToDoFirst: a.advice })),
		alerts: data.alerts.map((a) => ({ rule: a.rule, title: a.title, severity: a.severity, state: a.state, since: isoTime(a.since), summary: a.detail?.summary ?? null, acknowledged: a.acknowledged, silenced: a.silenced })),
		history: data.history.map((s) => ({
			windowStart: isoTime(s.windowStart),
			windowEnd: isoTime(s.windowEnd),
			signups: s.signups,
			utmSourcePercent: s.signals.utm.sourcePercent,
			purchasesMatchedPercent: s.signals.reconciliation.percent,
			paidWithoutAccess: s.signals.delivery.paidWithoutAccess.count,
		})),
	};
}
