import type { AlertItem } from '../monitor/alerts';
import type { MonitorApi } from '../monitor/api';
import type { AlertSettings } from '../settings/alerts';
import type { SettingsApi } from '../settings/api';
import type { Store } from '../store';
import { isTestLaunch } from './steps';
import type { ChecklistRun } from './runs';

/** The parts of the ledger the monitoring drill goes through: the launch's settings and the same evaluation the monitor template runs. */
export interface MonitoringParts {
	store: Store;
	settings: SettingsApi;
	monitor: MonitorApi;
}

/** The two rules step 5 proves, with the settings block that switches each on. */
export const DRILLED_RULES = [
	{ rule: 'ingestion_drop', block: 'ingestionDrop', what: 'signups dropped' },
	{ rule: 'reconciliation_low', block: 'reconciliation', what: 'purchases not matched to the waitlist' },
] as const;

export type DrilledRule = (typeof DRILLED_RULES)[number]['rule'];

export interface MonitoringDrillOutcome {
	/** The alerts the simulated launch produced, in rule order: what the channel must receive. */
	fired: AlertItem[];
	/** Rules that did not fire, each with the fix in words. */
	problems: Array<{ rule: DrilledRule; fix: string }>;
	evidence: Record<string, unknown>;
}

const DAY_MS = 86_400_000;
/** Ids are unique across launches: the seeded rows carry the run's id. */
const seedPrefix = (run: ChecklistRun): string => `ckmon-${run.id}-`;

/**
 * Wipes what an earlier attempt of this drill left in the test launch, so a second attempt judges a
 * fresh history (an alert already firing would not be announced again).
 */
async function resetDrill(store: Store, testLaunch: string, prefix: string): Promise<void> {
	await store.transaction(async (tx) => {
		for (const table of ['monitor_snapshots', 'monitor_alerts', 'monitor_announcements']) await tx.execute(`DELETE FROM ${table} WHERE launch = $1`, [testLaunch]);
		await tx.execute('DELETE FROM purchases WHERE launch = $1 AND id LIKE $2', [testLaunch, `${prefix}%`]);
		await tx.execute('DELETE FROM contacts WHERE launch = $1 AND id LIKE $2', [testLaunch, `${prefix}%`]);
	});
}

/**
 * The simulated history, written straight into the test launch (only the rows the monitor's signals
 * read): `perWindow` signups with full UTMs in each baseline window, none in the last window, and
 * `unmatched` paid purchases nobody could match in it. Rows of a test launch may be written this way:
 * nobody else reads them and Clean Up deletes the launch whole. The contacts are not marked as tests
 * because the signals leave test contacts out, and these must count.
 */
async function seedHistory(store: Store, testLaunch: string, prefix: string, windows: Array<{ start: number; end: number }>, perWindow: number, unmatched: number): Promise<void> {
	const touch = JSON.stringify({ utm_source: 'checklist', utm_medium: 'email', utm_campaign: 'monitoring-drill' });
	await store.transaction(async (tx) => {
		for (const [w, window] of windows.slice(0, -1).entries()) {
			for (let i = 0; i < perWindow; i++) {
				const at = window.start + Math.floor(((i + 0.5) * (window.end - window.start)) / perWindow);
				await tx.execute(
					`INSERT INTO contacts (id, launch, status, email, profile, first_touch, last_touch, consent, is_test, created_at, updated_at)
					 VALUES ($1, $2, 'active', $3, '{}', $4, $4, NULL, 0, $5, $5)`,
					[`${prefix}${w}-${i}`, testLaunch, `monitoring-drill-${w}-${i}@example.com`, touch, at],
				);
			}
		}
		const last = windows[windows.length - 1]!;
		for (let i = 0; i < unmatched; i++) {
			const at = last.start + 1000 + i;
			await tx.execute(
				`INSERT INTO purchases (id, launch, provider, order_id, contact_id, product_id, captured_at, amount, currency, email, matched_by, created_at, updated_at)
				 VALUES ($1, $2, 'generic', $3, NULL, 'checklist-monitoring', $4, 100, 'USD', $5, NULL, $4, $4)`,
				[`${prefix}p${i}`, testLaunch, `${prefix}order-${i}`, at, `unknown-buyer-${i}@example.com`],
			);
		}
	});
}

function disabledFix(launch: string, block: string, what: string): string {
	return `The "${what}" alert is switched off for launch "${launch}", so nobody would hear of it on launch day. Turn it on: Waitlist Contact → Launch Setting → Update → Alert Settings (settings.alerts.${block}.enabled), then run this step again.`;
}

const NOT_FIRED =
	'The monitor did not raise this alert on a simulated launch that should raise it. This is a fault in the pack, not in your set-up: report it with this evidence (Launch Checklist → Get Report).';

/**
 * Step 5's ledger part, on the run's test launch under the real launch's own alert settings: a
 * history of steady signups, then a window with none and with paid purchases nobody could match.
 * Evaluated window by window as the monitor's schedule would, the last evaluation must fire the
 * ingestion-drop and the reconciliation alerts. The windows lie a day back, away from anything
 * the other steps write into the test launch now. The node then posts what fired to the channel.
 */
export async function monitoringDrill(parts: MonitoringParts, run: ChecklistRun, now = Date.now()): Promise<MonitoringDrillOutcome> {
	const testLaunch = run.testLaunch;
	// The one guard that matters: this writes rows straight into a launch, never a real one.
	if (!isTestLaunch(testLaunch)) throw new Error(`monitoring drill: "${testLaunch}" is not a checklist test launch`);
	const real: AlertSettings = (await parts.settings.get(run.launch)).alerts;
	const windowMs = real.windowSeconds * 1000;
	const baselineWindows = real.ingestionDrop.baselineWindows;
	const perWindow = Math.max(10, real.ingestionDrop.minBaselineSignups);
	const unmatched = real.reconciliation.minPurchases;
	const lastEnd = Math.floor((now - DAY_MS) / windowMs) * windowMs;
	const windows = Array.from({ length: baselineWindows + 1 }, (_, i) => ({ start: lastEnd - (baselineWindows + 1 - i) * windowMs, end: lastEnd - (baselineWindows - i) * windowMs }));
	const liveAt = windows[0]!.start - windowMs;

	const prefix = seedPrefix(run);
	await resetDrill(parts.store, testLaunch, prefix);
	// The real launch's thresholds and switches, live before the simulated history; no digest or reminders to muddle it.
	await parts.settings.update(testLaunch, { alerts: { ...real, liveAt, dailyDigestHourUtc: null, reminderHours: 0 } }, { source: 'checklist' });
	await seedHistory(parts.store, testLaunch, prefix, windows, perWindow, unmatched);

	const evaluations: Array<{ windowStart: number; signups: number; fired: string[] }> = [];
	let fired: AlertItem[] = [];
	for (const window of windows) {
		const result = await parts.monitor.evaluate({ launch: testLaunch, now: window.end + 1 });
		evaluations.push({ windowStart: window.start, signups: result.snapshot.signups, fired: result.fired.map((f) => f.rule) });
		fired = result.fired;
	}
	const problems: MonitoringDrillOutcome['problems'] = [];
	const drilled: AlertItem[] = [];
	for (const { rule, block, what } of DRILLED_RULES) {
		const item = fired.find((f) => f.rule === rule);
		if (item) drilled.push(item);
		else problems.push({ rule, fix: real[block].enabled ? NOT_FIRED : disabledFix(run.launch, block, what) });
	}
	const evidence = {
		testLaunch,
		settingsOf: run.launch,
		windowSeconds: real.windowSeconds,
		simulated: { baselineWindows, signupsPerBaselineWindow: perWindow, signupsInLastWindow: 0, unmatchedPurchasesInLastWindow: unmatched },
		evaluations,
		fired: drilled.map((f) => ({ rule: f.rule, title: f.title, summary: f.summary })),
	};
	return { fired: drilled, problems, evidence };
}
