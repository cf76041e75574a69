import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type AlertSettingsPatch, type Ledger } from '../../ledger';
import { inList, type SqlValue } from '../../ledger/internal';
import { START, actionWorkflow, items } from '../support/action-workflow';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowRunResult } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The Launch Monitor node in-process, on both databases. Evaluate Alerts judges the last complete
 * window before the real clock; the tests use one-hour windows and build the windows before it
 * (signups moved into past windows, their snapshots kept with the ledger's own `now`), so the
 * node's evaluation finds a baseline, a firing alert, a recovery or a due reminder already there.
 */

const NODE = 'Launch Monitor';
const H = 3_600_000;
const OUT = { fired: 0, resolved: 1, reminder: 2, digest: 3 } as const;

/**
 * Waits past the next window boundary when one is less than 30 s away, so "the last complete
 * window" stays the same window during a test; returns where that window ends.
 */
async function awayFromWindowEdge(windowMs = H): Promise<number> {
	const untilEdge = windowMs - (Date.now() % windowMs);
	if (untilEdge < 30_000) await new Promise((r) => setTimeout(r, untilEdge + 1_000));
	return Math.floor(Date.now() / windowMs) * windowMs;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] Launch Monitor node in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const run = (parameters: IDataObject, input: IDataObject[] = [{}], onError?: 'continueRegularOutput') =>
			runWorkflow(actionWorkflow({ name: NODE, type: 'launchMonitor', parameters, onError }), { trigger: { node: START, items: items(...input) }, credentials: ledgerCredentialFor(db.config) });

		function ok(result: WorkflowRunResult): void {
			assert.equal(result.error(NODE), undefined, `node failed: ${result.error(NODE)?.message}`);
		}

		/** n signups with UTMs created at `at` (contacts.created_at is the ledger's clock; no API sets it). */
		async function signupsAt(launch: string, at: number, n: number, tag = String(at)): Promise<void> {
			const outcomes = await ledger.contacts.upsertMany(
				Array.from({ length: n }, (_, i) => ({ launch, email: `${launch}.${tag}.${i}@example.com`, attribution: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch' } })),
			);
			const ids = outcomes.map((o) => (o.ok ? o.result.contactId : assert.fail(o.error)));
			const params: SqlValue[] = [at];
			await ledger.store.execute(`UPDATE contacts SET created_at = $1 WHERE id IN (${inList(ids, params)})`, params);
		}

		/**
		 * One-hour windows, a three-window baseline of 20 signups each ending `baselineEnd`, each kept
		 * as a snapshot when it ended; live from the first of them.
		 */
		async function baseline(launch: string, baselineEnd: number, alerts: AlertSettingsPatch = {}): Promise<void> {
			await ledger.settings.update(launch, {
				alerts: { windowSeconds: 3600, liveAt: baselineEnd - 3 * H, ingestionDrop: { baselineWindows: 3, minBaselineSignups: 10 }, resolveAfterWindows: 1, ...alerts },
			});
			for (let k = 3; k >= 1; k--) {
				const start = baselineEnd - k * H;
				await signupsAt(launch, start + 60_000, 20);
				await ledger.monitor.takeSnapshot({ launch, now: start + H + 1_000 });
			}
		}

		it('Evaluate Alerts sends a drop on Fired, with what, how bad, since when, what to do first and the dashboard link', async () => {
			const L = await awayFromWindowEdge();
			await baseline('drop', L - H);
			const result = await run({ operation: 'evaluate', launch: 'drop', dashboardUrl: 'https://n8n.example.com/webhook/launch-monitor' });
			ok(result);
			const [fired, ...more] = result.output(NODE, OUT.fired);
			assert.equal(more.length, 0);
			assert.deepEqual(
				{ kind: fired!.kind, rule: fired!.rule, severity: fired!.severity, title: fired!.title, value: fired!.value, threshold: fired!.threshold, unit: fired!.unit },
				{ kind: 'fired', rule: 'ingestion_drop', severity: 'critical', title: 'Signups dropped', value: 100, threshold: 50, unit: '%' },
			);
			assert.match(String(fired!.summary), /^0 signups in the last 60 min, 100 % below the baseline of 20/);
			assert.match(String(fired!.since), /^\d{4}-\d\d-\d\dT/);
			assert.match(String(fired!.whatToDoFirst), /test signup/);
			assert.equal(fired!.dashboardUrl, 'https://n8n.example.com/webhook/launch-monitor');
			assert.match(String(fired!.subject), /FIRING · critical · Signups dropped \(launch "drop"\)/);
			assert.match(String(fired!.text), /What to do first: Open the signup form yourself/);
			assert.match(String(fired!.text), /Dashboard: https:\/\/n8n\.example\.com\/webhook\/launch-monitor/);
			for (const other of [OUT.resolved, OUT.reminder, OUT.digest]) assert.deepEqual(result.output(NODE, other), []);

			// The same window evaluated again: nothing new leaves the node.
			const again = await run({ operation: 'evaluate', launch: 'drop' });
			ok(again);
			assert.deepEqual([0, 1, 2, 3].map((o) => again.output(NODE, o).length), [0, 0, 0, 0]);
		});

		it('Evaluate Alerts sends a recovery on Resolved, once', async () => {
			const L = await awayFromWindowEdge();
			await baseline('recover', L - 2 * H);
			// The window before the last one had no signups: the drop fired back then.
			const then = await ledger.monitor.evaluate({ launch: 'recover', now: L - H + 1_000 });
			assert.deepEqual(then.fired.map((f) => f.rule), ['ingestion_drop']);
			await signupsAt('recover', L - H + 60_000, 20);
			const result = await run({ operation: 'evaluate', launch: 'recover' });
			ok(result);
			const resolved = result.output(NODE, OUT.resolved);
			assert.deepEqual(resolved.map((r) => [r.kind, r.rule]), [['resolved', 'ingestion_drop']]);
			assert.match(String(resolved[0]!.subject), /^✅ RESOLVED · critical · Signups dropped/);
			assert.match(String(resolved[0]!.text), /lasted 1 h/);
			assert.equal(result.output(NODE, OUT.fired).length, 0);
		});

		it('Evaluate Alerts sends a Reminder for an alert still firing after Reminder Hours, unacknowledged', async () => {
			const L = await awayFromWindowEdge();
			await baseline('remind', L - 2 * H, { reminderHours: 0.5 });
			await ledger.monitor.evaluate({ launch: 'remind', now: L - H + 1_000 });
			const result = await run({ operation: 'evaluate', launch: 'remind' });
			ok(result);
			const reminders = result.output(NODE, OUT.reminder);
			assert.deepEqual(reminders.map((r) => [r.kind, r.rule]), [['reminder', 'ingestion_drop']]);
			assert.match(String(reminders[0]!.text), /STILL FIRING[\s\S]*Nobody has acknowledged it yet/);
		});

		it('Evaluate Alerts sends the daily digest on Digest when it is due, once a day', async () => {
			await ledger.settings.update('digest', { alerts: { dailyDigestHourUtc: 0 } });
			const result = await run({ operation: 'evaluate', launch: 'digest' });
			ok(result);
			const [digest] = result.output(NODE, OUT.digest);
			assert.equal(digest?.kind, 'digest');
			assert.equal(digest?.allClear, true);
			assert.match(String(digest?.text), /All clear[\s\S]*silence can be told apart from a muted channel/);
			const again = await run({ operation: 'evaluate', launch: 'digest' });
			assert.equal(again.output(NODE, OUT.digest).length, 0);
		});

		it('Take Snapshot keeps the last window once, whoever asks', async () => {
			await awayFromWindowEdge(5 * 60_000);
			const first = await run({ operation: 'takeSnapshot', launch: 'snap' });
			ok(first);
			const [kept] = first.output(NODE);
			assert.equal(kept?.created, true);
			assert.equal(kept?.windowSeconds, 300);
			assert.match(String(kept?.windowEnd), /:\d[05]:00\.000Z$/);
			const second = await run({ operation: 'takeSnapshot', launch: 'snap' });
			assert.equal(second.output(NODE)[0]?.created, false);
			assert.equal(second.output(NODE)[0]?.windowStart, kept?.windowStart);
		});

		it('Get Signals counts the launch window or the last minutes asked for, with each alert\'s state', async () => {
			await signupsAt('signals', Date.now() - 2 * 60_000, 3, 'recent');
			await signupsAt('signals', Date.now() - 30 * 60_000, 4, 'older');
			const launchWindow = await run({ operation: 'getSignals', launch: 'signals' });
			ok(launchWindow);
			const [five] = launchWindow.output(NODE);
			assert.equal((five!.ingestion as IDataObject).newPeople, 3);
			assert.equal((five!.window as IDataObject).minutes, 5);
			assert.equal((five!.alerts as IDataObject[]).length, 8);
			assert.equal(five!.firing, 0);
			const hour = await run({ operation: 'getSignals', launch: 'signals', window: 'minutes', minutes: 60, includeAlerts: false });
			const [sixty] = hour.output(NODE);
			assert.equal((sixty!.ingestion as IDataObject).newPeople, 7);
			assert.equal((sixty!.utm as IDataObject).sourcePercent, 100);
			assert.equal(sixty!.alerts, undefined);
		});

		it('Acknowledge, Silence and End Silence act on the alert named (also from an alert item), recorded with who', async () => {
			const L = await awayFromWindowEdge();
			await baseline('act', L - 2 * H);
			await ledger.monitor.evaluate({ launch: 'act', now: L - H + 1_000 });
			const ack = await run({ operation: 'acknowledge', launch: 'act', rule: '={{ $json.rule }}', by: 'maya@example.com', note: 'On it' }, [{ rule: 'ingestion_drop' }]);
			ok(ack);
			const [acked] = ack.output(NODE);
			assert.equal(acked?.state, 'firing');
			assert.deepEqual({ ...(acked?.acknowledged as IDataObject), at: undefined }, { at: undefined, by: 'maya@example.com', note: 'On it' });

			const silence = await run({ operation: 'silence', launch: 'act', rule: 'all', silenceMode: 'minutes', minutes: 90, by: 'maya@example.com', reason: 'Kit maintenance' });
			ok(silence);
			const [silenced] = silence.output(NODE);
			assert.equal((silenced!.alerts as IDataObject[]).length, 8);
			const until = Date.parse(String(silenced!.until));
			assert.ok(until > Date.now() + 80 * 60_000 && until <= Date.now() + 90 * 60_000);
			const states = await ledger.monitor.alerts('act');
			assert.ok(states.every((s) => s.silenced?.reason === 'Kit maintenance'));

			const byDate = await run({ operation: 'silence', launch: 'act', rule: 'dead_letters', silenceMode: 'until', until: '2099-01-01T00:00:00Z', by: 'maya@example.com' });
			ok(byDate);
			assert.equal(byDate.output(NODE)[0]?.until, '2099-01-01T00:00:00.000Z');

			const lifted = await run({ operation: 'unsilence', launch: 'act', rule: 'all', by: 'maya@example.com' });
			ok(lifted);
			assert.ok((await ledger.monitor.alerts('act')).every((s) => s.silenced === null));
			const history = await ledger.contacts.launchHistory('act', { types: ['monitor.*'] });
			assert.deepEqual(history.map((e) => [e.type, e.source]), [
				['monitor.alert_acknowledged', 'maya@example.com'],
				['monitor.alert_silenced', 'maya@example.com'],
				['monitor.alert_silenced', 'maya@example.com'],
				['monitor.alert_unsilenced', 'maya@example.com'],
			]);
		});

		it('bad input names the parameter to fix', async () => {
			const cases: Array<[IDataObject, RegExp]> = [
				[{ operation: 'evaluate', launch: '={{ $json.nothing }}' }, /^Launch: is empty/],
				[{ operation: 'evaluate', launch: 'bad', dashboardUrl: 'ftp://files.example.com' }, /^Dashboard URL: must be a web address/],
				[{ operation: 'getSignals', launch: 'bad', window: 'minutes', minutes: 0 }, /^Minutes: must be a number of minutes from 1 to 10080/],
				[{ operation: 'acknowledge', launch: 'bad', rule: 'ingestion_drop', by: 'maya@example.com' }, /^Alert: "ingestion_drop" is not firing in launch "bad"/],
				[{ operation: 'acknowledge', launch: 'bad', rule: 'ingestion_drop', by: '={{ $json.nobody }}' }, /^By: is required/],
				[{ operation: 'silence', launch: 'bad', rule: '={{ "signups" }}', by: 'maya@example.com' }, /^Alert: must be one of ingestion_drop, .*, all; got "signups"/],
				[{ operation: 'silence', launch: 'bad', rule: 'all', silenceMode: 'until', until: 'next tuesday', by: 'maya@example.com' }, /^Until: must be a date and time/],
				[{ operation: 'silence', launch: 'bad', rule: 'all', silenceMode: 'until', until: '2001-01-01T00:00:00Z', by: 'maya@example.com' }, /^Until: must be a time after now/],
			];
			for (const [parameters, message] of cases) {
				const result = await run(parameters);
				assert.match(result.error(NODE)?.message ?? '(no error)', message, JSON.stringify(parameters));
			}
			// With "continue on fail" a failed evaluation leaves as an item on Fired, where alerts go.
			const continued = await run({ operation: 'evaluate', launch: '={{ $json.nothing }}' }, [{}], 'continueRegularOutput');
			assert.equal(continued.error(NODE), undefined);
			assert.deepEqual(continued.output(NODE, OUT.fired), [{ error: 'Launch: is empty; enter the launch\'s name, e.g. "default" or "spring-course-2027"', field: 'launch' }]);
		});
	});
}
