import type { AlertStatus, ChecklistReport, LatestSignup, Ledger, MonitorSignals, SnapshotRecord } from '../../ledger';

/**
 * What the dashboard shows, read from the ledger in a handful of bounded reads: the signals of the
 * launch's window ending now (live tiles, backlogs as of now), the kept window snapshots of the
 * last 24 hours (sparklines; at most 288 windows, so a short test window does not read a day of
 * them), every alert's state, the newest signups and the newest checklist run. None of it grows with
 * the number of contacts.
 */
export interface DashboardData {
	launch: string;
	now: number;
	windowMs: number;
	live: MonitorSignals;
	history: SnapshotRecord[];
	/** The span the sparklines cover: [historyFrom, now). */
	historyFrom: number;
	alerts: AlertStatus[];
	latest: LatestSignup[];
	/** The launch's newest pre-launch checklist run, or null before the first. */
	checklist: ChecklistReport | null;
}

const DAY_MS = 24 * 3_600_000;
/** 24 hours of five-minute windows. */
export const SPARKLINE_WINDOWS = 288;
/** How many of the newest signups the dashboard lists. */
export const LATEST_SIGNUPS = 8;

export async function loadDashboardData(ledger: Ledger, launch: string, now = Date.now()): Promise<DashboardData> {
	const live = await ledger.monitor.signals({ launch, now });
	const windowMs = live.window.ms;
	const historyFrom = now - Math.min(DAY_MS, SPARKLINE_WINDOWS * windowMs);
	const history = await ledger.monitor.history({ launch, from: historyFrom, to: now, now });
	const alerts = await ledger.monitor.alerts(launch, now);
	const latest = await ledger.monitor.latestSignups({ launch, limit: LATEST_SIGNUPS, now });
	const newestRun = await ledger.checklist.latest(launch);
	const checklist = newestRun ? await ledger.checklist.report(newestRun.id) : null;
	return { launch, now, windowMs, live, history, historyFrom, alerts, latest, checklist };
}
