import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { LedgerInputError, type AlertItem, type AlertSettingsPatch, type EvaluationResult, type PurchaseEvent } from '../../ledger';
import { inList, type SqlValue } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Alert rules judged on histories built through the ledger's API, window by window. Evaluation takes
 * `now`, so a test walks the clock forward instead of sleeping. Signups must land in past windows,
 * and a contact's creation time is the ledger's clock (no API sets it): each window's contacts are
 * created through contacts.upsertMany and then moved back into their window with one UPDATE.
 */

const W = 5 * 60_000;
const H = 3_600_000;

/** Window k of a test starts at base + k·W; base is aligned and 100 windows in the past. */
const base = Math.floor(Date.now() / W) * W - 100 * W;
const windowStart = (k: number) => base + k * W;
/** An evaluation that judges window k (the last complete window before it). */
const judging = (k: number, later = 5_000) => windowStart(k + 1) + later;

const kinds = (r: EvaluationResult) => [...r.fired, ...r.resolved, ...r.reminders].map((i) => `${i.kind}:${i.rule}`);

for (const driver of DRIVERS) {
	describe(`[${driver}] launch monitor: alert rules, state and announcements`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		async function configure(launch: string, alerts: AlertSettingsPatch): Promise<void> {
			await t.ledger.settings.update(launch, { alerts });
		}

		/** n signups (with utm_source, so only the rule under test speaks) created in window k. */
		async function signups(launch: string, k: number, n: number): Promise<void> {
			if (n === 0) return;
			const outcomes = await t.ledger.contacts.upsertMany(
				Array.from({ length: n }, (_, i) => ({ launch, email: `${launch}.${k}.${i}@example.com`, attribution: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch' } })),
			);
			const ids = outcomes.map((o) => (o.ok ? o.result.contactId : assert.fail(o.error)));
			// contacts.created_at is the ledger's clock at creation; no API sets it.
			const params: SqlValue[] = [windowStart(k) + 1_000];
			await t.ledger.store.execute(`UPDATE contacts SET created_at = $1 WHERE id IN (${inList(ids, params)})`, params);
		}

		const evaluate = (launch: string, now: number) => t.ledger.monitor.evaluate({ launch, now });

		/** Signups per window from window 0, each window evaluated in turn; returns each evaluation's announcements. */
		async function run(launch: string, perWindow: number[], from = 0): Promise<string[][]> {
			const said: string[][] = [];
			for (const [i, n] of perWindow.entries()) {
				await signups(launch, from + i, n);
				said.push(kinds(await evaluate(launch, judging(from + i))));
			}
			return said;
		}

		const ingestion = { ingestionDrop: { baselineWindows: 3, minBaselineSignups: 10 }, resolveAfterWindows: 2 };

		it('a 60 % drop fires once; recovery resolves once; evaluating a window again announces nothing', async () => {
			const launch = 'drop';
			await configure(launch, ingestion);
			// Live from window 0's signups: windows 1–3 are the first full baseline, window 4 the first judged.
			const said = await run(launch, [20, 20, 20, 20, 20, 8]);
			assert.deepEqual(said, [[], [], [], [], [], ['fired:ingestion_drop']]);
			const again = await evaluate(launch, judging(5, 60_000));
			assert.deepEqual(kinds(again), [], 'the same window evaluated again: nothing new');
			const fired = (await t.ledger.monitor.announcements(launch))[0]!.item as AlertItem;
			const windowFive = (await t.ledger.monitor.history({ launch, from: windowStart(5), to: windowStart(6), now: judging(5) }))[0]!;
			assert.deepEqual(
				{ rule: fired.rule, severity: fired.severity, since: fired.since, value: fired.value, threshold: fired.threshold, unit: fired.unit },
				{ rule: 'ingestion_drop', severity: 'critical', since: windowFive.measuredAt, value: 60, threshold: 50, unit: '%' },
			);
			assert.match(fired.summary, /^8 signups in the last 5 min, 60 % below the baseline of 20/);
			assert.ok(fired.advice.length > 20);
			assert.deepEqual((await t.ledger.monitor.firing(launch)).map((a) => a.rule), ['ingestion_drop']);

			// Still low: nothing; back to 20 for two windows (resolveAfterWindows 2): resolved once.
			assert.deepEqual(await run(launch, [8, 20, 20], 6), [[], [], ['resolved:ingestion_drop']]);
			assert.deepEqual(kinds(await evaluate(launch, judging(8, 90_000))), []);
			assert.deepEqual((await t.ledger.monitor.firing(launch)).length, 0);
			const history = await t.ledger.monitor.announcements(launch);
			assert.deepEqual(history.map((a) => a.kind), ['resolved', 'fired']);
			const resolved = history[0]!.item as AlertItem;
			assert.equal(resolved.since, fired.since, 'the resolve names the episode it ends');
			assert.equal(resolved.firingForMs, resolved.resolvedAt! - fired.since);
		});

		it('a 40 % drop does not fire', async () => {
			const launch = 'dip';
			await configure(launch, ingestion);
			assert.deepEqual((await run(launch, [20, 20, 20, 20, 20, 12])).flat(), []);
			const [drop] = (await t.ledger.monitor.alerts(launch)).filter((a) => a.rule === 'ingestion_drop');
			assert.deepEqual([drop!.state, drop!.detail?.outcome, drop!.detail?.value], ['ok', 'clear', 40]);
		});

		it('low volume suppresses: a baseline under the minimum is not judged, even when signups stop', async () => {
			const launch = 'quiet';
			await configure(launch, ingestion);
			assert.deepEqual((await run(launch, [4, 4, 4, 4, 4, 0, 0])).flat(), []);
			const [drop] = (await t.ledger.monitor.alerts(launch)).filter((a) => a.rule === 'ingestion_drop');
			assert.equal(drop!.detail?.outcome, 'unknown');
			assert.match(drop!.detail!.summary, /too few signups/);
		});

		it('before the launch is live (alerts.liveAt) a drop is not judged', async () => {
			const launch = 'prelaunch';
			await configure(launch, { ...ingestion, liveAt: new Date(windowStart(5)).toISOString() });
			// Before it, even a 90 % drop (window 4) is not judged; the first judged window is 8 (baseline 5–7).
			assert.deepEqual(await run(launch, [20, 20, 20, 20, 2, 20, 20, 20, 5]), [[], [], [], [], [], [], [], [], ['fired:ingestion_drop']]);
		});

		it('flapping around either threshold does not re-announce', async () => {
			const launch = 'flap';
			await configure(launch, ingestion);
			// Fires at 55 % down; 45 % down is inside the hysteresis band (resolves only at ≤ 30 % down = 14 signups).
			const around = await run(launch, [20, 20, 20, 20, 20, 9, 11, 9, 11, 9]);
			assert.deepEqual(around.flat(), ['fired:ingestion_drop']);
			// Around the resolve level: a good window, then a bad one resets the two-window count.
			assert.deepEqual((await run(launch, [15, 13, 15, 13, 15, 13], 10)).flat(), []);
			assert.equal((await t.ledger.monitor.firing(launch)).length, 1);
			assert.equal((await t.ledger.monitor.announcements(launch)).length, 1);
		});

		it('reminders every N hours while firing; a silence holds them; an acknowledgement stops them; the resolve still goes out', async () => {
			const launch = 'remind';
			await configure(launch, { ...ingestion, reminderHours: 1 });
			assert.deepEqual((await run(launch, [20, 20, 20, 20, 20, 8])).flat(), ['fired:ingestion_drop']);
			const firedAt = judging(5);
			// Later windows have no signups at all: it keeps firing.
			assert.deepEqual(kinds(await evaluate(launch, firedAt + 30 * 60_000)), []);
			const reminder = await evaluate(launch, firedAt + 61 * 60_000);
			assert.deepEqual(kinds(reminder), ['reminder:ingestion_drop']);
			assert.equal(reminder.reminders[0]!.since, (await t.ledger.monitor.firing(launch))[0]!.since);
			assert.deepEqual(kinds(await evaluate(launch, firedAt + 62 * 60_000)), [], 'one reminder per period, however often evaluated');

			const silenced = await t.ledger.monitor.silence({ launch, rule: 'ingestion_drop', until: firedAt + 3 * H, by: 'maya', reason: 'we know: the ad paused', now: firedAt + 63 * 60_000 });
			assert.equal(silenced[0]!.silenced?.until, firedAt + 3 * H);
			assert.deepEqual(kinds(await evaluate(launch, firedAt + 2 * H + 5 * 60_000)), [], 'silenced');
			assert.deepEqual(kinds(await evaluate(launch, firedAt + 3 * H + 60_000)), ['reminder:ingestion_drop'], 'the silence is over');

			const acked = await t.ledger.monitor.acknowledge({ launch, rule: 'ingestion_drop', by: 'maya', note: 'looking', now: firedAt + 3 * H + 2 * 60_000 });
			assert.equal(acked.acknowledged?.by, 'maya');
			assert.deepEqual(kinds(await evaluate(launch, firedAt + 5 * H)), [], 'acknowledged: no reminder');
			const k = Math.ceil((firedAt + 5 * H - base) / W);
			const back = await run(launch, [20, 20], k);
			assert.deepEqual(back, [[], ['resolved:ingestion_drop']]);
			const resolvedItem = (await t.ledger.monitor.announcements(launch))[0]!.item as AlertItem;
			assert.equal(resolvedItem.acknowledged?.by, 'maya');
			const history = await t.ledger.contacts.launchHistory(launch, { types: ['monitor.*'] });
			assert.deepEqual(history.map((e) => e.type), ['monitor.alert_silenced', 'monitor.alert_acknowledged']);
		});

		it('an alert that fires while silenced is announced when the silence ends (if it still fires); one that fires and resolves inside a silence is never announced', async () => {
			const launch = 'hush';
			await configure(launch, ingestion);
			await run(launch, [20, 20, 20, 20, 20]);
			await t.ledger.monitor.silence({ launch, rule: 'all', until: judging(7) - 1, by: 'maya', now: judging(4) });
			assert.deepEqual((await run(launch, [8, 8], 5)).flat(), []);
			const late = await run(launch, [8], 7);
			assert.deepEqual(late.flat(), ['fired:ingestion_drop']);
			const fired = (await t.ledger.monitor.announcements(launch))[0]!.item as AlertItem;
			const windowFive = (await t.ledger.monitor.history({ launch, from: windowStart(5), to: windowStart(6), now: judging(7) }))[0]!;
			assert.equal(fired.since, windowFive.measuredAt, 'since when it really started firing');

			const launch2 = 'hush-short';
			await configure(launch2, ingestion);
			await run(launch2, [20, 20, 20, 20, 20]);
			await t.ledger.monitor.silence({ launch: launch2, rule: 'ingestion_drop', until: judging(20), by: 'maya', now: judging(4) });
			assert.deepEqual((await run(launch2, [8, 20, 20, 20], 5)).flat(), []);
			assert.equal((await t.ledger.monitor.announcements(launch2)).length, 0);
			assert.deepEqual((await t.ledger.monitor.unsilence({ launch: launch2, rule: 'ingestion_drop', by: 'maya', now: judging(9) }))[0]!.silenced, null);
		});

		it('acknowledge and silence check what they are given', async () => {
			const launch = 'controls';
			const field = (f: string) => (e: unknown) => e instanceof LedgerInputError && e.field === f;
			await assert.rejects(t.ledger.monitor.acknowledge({ launch, rule: 'ingestion_drop', by: 'maya' }), (e: unknown) => field('rule')(e) && /not firing/.test((e as Error).message));
			await assert.rejects(t.ledger.monitor.acknowledge({ launch, rule: 'nope', by: 'maya' }), field('rule'));
			await assert.rejects(t.ledger.monitor.acknowledge({ launch, rule: 'dead_letters', by: ' ' }), field('by'));
			await assert.rejects(t.ledger.monitor.silence({ launch, rule: 'all', until: Date.now() - 1, by: 'maya' }), field('until'));
			await assert.rejects(t.ledger.monitor.silence({ launch, rule: 'all', until: 'tomorrow', by: 'maya' }), field('until'));
			await assert.rejects(t.ledger.monitor.evaluate({ launch: '' }), field('launch'));
		});

		it('paid without access for more than 15 minutes fires; delivering the grant resolves it', async () => {
			const launch = 'pwa';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			await t.ledger.contacts.upsert({ launch, email: 'buyer@example.com', attribution: { utm_source: 'x' } });
			const decision = await t.ledger.purchases.apply(launch, {
				...purchaseEvent('p1', 'o1'),
				email: 'buyer@example.com',
			});
			const grant = (await t.ledger.outbox.get(decision.outboxId!))!;
			const at = (min: number) => grant.createdAt + min * 60_000;
			// The grant waits in the outbox; it is judged at the clock the evaluation is given.
			assert.deepEqual(kinds(await evaluate(launch, at(10))), []);
			const fired = await evaluate(launch, at(16));
			assert.deepEqual(kinds(fired), ['fired:paid_without_access']);
			assert.equal(fired.fired[0]!.severity, 'critical');
			assert.equal(fired.fired[0]!.summary, '1 paid purchase has no access yet (1 grant not delivered, 0 buyers matched to nobody); the oldest waits 16 min');
			const [claimed] = await t.ledger.outbox.claim({ launch, kinds: 'grant', limit: 1, leaseMs: 60_000, workerId: 'platform' });
			await t.ledger.outbox.ack(launch, [{ id: claimed!.id, claimToken: claimed!.claimToken }]);
			assert.deepEqual(kinds(await evaluate(launch, at(21))), []);
			assert.deepEqual(kinds(await evaluate(launch, at(26))), ['resolved:paid_without_access']);
		});

		it('any dead letter fires (with its error); requeued and delivered, it resolves', async () => {
			const launch = 'dead';
			const [entry] = await t.ledger.outbox.enqueueMany([{ launch, kind: 'esp_sync', idempotencyKey: 'k1' }]);
			const [claimed] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.fail(launch, [{ id: claimed!.id, claimToken: claimed!.claimToken, error: 'Kit 401: invalid API key', permanent: true }]);
			const now = Date.now();
			const fired = await evaluate(launch, now);
			assert.deepEqual(kinds(fired), ['fired:dead_letters']);
			assert.match(fired.fired[0]!.summary, /1 outbox entry gave up \(esp_sync 1\); last error \(esp_sync\): Kit 401: invalid API key/);
			await t.ledger.outbox.requeueDead({ launch, ids: [entry!.id] });
			const [again] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.ack(launch, [{ id: again!.id, claimToken: again!.claimToken }]);
			assert.deepEqual(kinds(await evaluate(launch, now + W)), []);
			assert.deepEqual(kinds(await evaluate(launch, now + 2 * W)), ['resolved:dead_letters']);
		});

		it('outbox oldest pending over 30 minutes fires; held entries (kill switch) do not count', async () => {
			const launch = 'stuck';
			const [entry] = await t.ledger.outbox.enqueueMany([{ launch, kind: 'crm_sync', idempotencyKey: 'k1' }]);
			const created = (await t.ledger.outbox.get(entry!.id))!.createdAt;
			assert.deepEqual(kinds(await evaluate(launch, created + 20 * 60_000)), []);
			assert.deepEqual(kinds(await evaluate(launch, created + 31 * 60_000)), ['fired:outbox_stuck']);

			const held = 'stuck-held';
			await t.ledger.outbox.pause({ launch: held, scope: 'all', by: 'maya', reason: 'maintenance' });
			const [h] = await t.ledger.outbox.enqueueMany([{ launch: held, kind: 'crm_sync', idempotencyKey: 'k1' }]);
			assert.equal(h!.status, 'held');
			const result = await evaluate(held, created + 60 * 60_000);
			assert.deepEqual(kinds(result), []);
			assert.equal(result.snapshot.signals.delivery.held.count, 1);
		});

		it('refused payment deliveries above zero fire (a wrong signing secret), and resolve after clean windows', async () => {
			const launch = 'refused';
			const arrived = Date.now();
			for (const id of ['r1', 'r2']) {
				const rawBody = JSON.stringify(stripe.checkoutCompleted(id));
				const ts = Math.floor(arrived / 1000);
				const signature = createHmac('sha256', 'whsec_rotated').update(`${ts}.${rawBody}`).digest('hex');
				await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: 'whsec_configured', rawBody, headers: { 'Stripe-Signature': `t=${ts},v1=${signature}` }, now: arrived });
			}
			const end = Math.ceil((arrived + 1) / W) * W;
			const fired = await evaluate(launch, end + 1_000);
			assert.deepEqual(kinds(fired), ['fired:refused_deliveries']);
			assert.match(fired.fired[0]!.summary, /2 payment deliveries refused in the last 5 min \(bad_signature 2; stripe 2\)/);
			assert.deepEqual(kinds(await evaluate(launch, end + W + 1_000)), []);
			assert.deepEqual(kinds(await evaluate(launch, end + 2 * W + 1_000)), ['resolved:refused_deliveries']);
		});

		it('reconciliation below 90 % with at least 5 purchases fires; settling the buyers in Review resolves it', async () => {
			const launch = 'recon';
			// Review items are made now (the ledger's clock), so the windows lie ahead of it. The unmatched
			// buyers and the one grant left waiting would also raise paid-without-access and a stuck
			// outbox, which are not under test here.
			const ahead = Math.ceil(Date.now() / W) * W + 10 * W;
			const windowStart = (k: number) => ahead + k * W;
			const judging = (k: number) => windowStart(k + 1) + 5_000;
			await configure(launch, { paidWithoutAccess: { enabled: false }, outboxPending: { enabled: false } });
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			await t.ledger.contacts.upsert({ launch, email: 'known@example.com', attribution: { utm_source: 'x' } });
			// Four purchases in window 10 (4 < 5: too few to judge)…
			for (let i = 0; i < 4; i++) await t.ledger.purchases.apply(launch, { ...purchaseEvent(`a${i}`, `oa${i}`, windowStart(10) + i), email: i === 0 ? 'known@example.com' : `unknown${i}@example.com` });
			assert.deepEqual(kinds(await evaluate(launch, judging(10))), []);
			// … five in window 11, one matched: 20 %.
			for (let i = 0; i < 5; i++) await t.ledger.purchases.apply(launch, { ...purchaseEvent(`b${i}`, `ob${i}`, windowStart(11) + i), email: i === 0 ? 'known@example.com' : `stranger${i}@example.com` });
			const fired = await evaluate(launch, judging(11));
			assert.deepEqual(kinds(fired), ['fired:reconciliation_low']);
			assert.match(fired.fired[0]!.summary, /^1 of 5 purchases in the last 5 min matched a waitlist contact \(20 %: token 0, customer id 0, email 1\); 7 wait in Review/);
			// A person settles every waiting buyer; no purchase arrives: resolved after two windows.
			for (const item of await t.ledger.review.list(launch, { status: 'open' })) await t.ledger.review.resolve(item.id, 'refunded by hand');
			assert.deepEqual(kinds(await evaluate(launch, judging(12))), []);
			assert.deepEqual(kinds(await evaluate(launch, judging(13))), ['resolved:reconciliation_low']);
		});

		it('UTM fidelity below 80 % of new signups fires', async () => {
			const launch = 'utm';
			const outcomes = await t.ledger.contacts.upsertMany(
				Array.from({ length: 10 }, (_, i) => ({ launch, email: `u${i}@example.com`, attribution: i < 7 ? { utm_source: 'ig' } : undefined })),
			);
			// Into one window (contacts.created_at is the ledger's clock; no API sets it).
			const params: SqlValue[] = [windowStart(30) + 1_000];
			await t.ledger.store.execute(`UPDATE contacts SET created_at = $1 WHERE id IN (${inList(outcomes.map((o) => (o.ok ? o.result.contactId : '')), params)})`, params);
			const fired = await evaluate(launch, judging(30));
			assert.deepEqual(kinds(fired), ['fired:utm_fidelity_low']);
			assert.deepEqual([fired.fired[0]!.value, fired.fired[0]!.threshold], [70, 80]);
		});

		it('a disabled rule does not fire; settings name the field they reject', async () => {
			const launch = 'off';
			await configure(launch, { deadLetters: { enabled: false } });
			const [entry] = await t.ledger.outbox.enqueueMany([{ launch, kind: 'esp_sync', idempotencyKey: 'k1', maxAttempts: 1 }]);
			const [claimed] = await t.ledger.outbox.claim({ launch, ids: [entry!.id], limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.fail(launch, [{ id: claimed!.id, claimToken: claimed!.claimToken, error: 'boom' }]);
			const result = await evaluate(launch, Date.now());
			assert.deepEqual(kinds(result), []);
			assert.equal(result.snapshot.signals.delivery.deadLetters.count, 1);
			assert.equal(result.alerts.find((a) => a.rule === 'dead_letters')!.detail?.outcome, 'disabled');

			const rejects = async (alerts: unknown, field: string, reason: RegExp) =>
				assert.rejects(t.ledger.settings.update(launch, { alerts } as never), (e: unknown) => e instanceof LedgerInputError && e.field === field && reason.test(e.reason));
			await rejects({ ingestionDrop: { dropPercent: 150 } }, 'settings.alerts.ingestionDrop.dropPercent', /from 1 to 100/);
			await rejects({ ingestionDrop: { dropPercent: 20 } }, 'settings.alerts.ingestionDrop.resolveDropPercent', /below dropPercent/);
			await rejects({ windowSeconds: 7 }, 'settings.alerts.windowSeconds', /divide an hour/);
			await rejects({ reconciliation: { minPurchase: 3 } }, 'settings.alerts.reconciliation.minPurchase', /not a setting of this rule/);
			await rejects({ liveAt: 'next week' }, 'settings.alerts.liveAt', /ISO date/);
			await rejects({ sms: true }, 'settings.alerts.sms', /not an alert setting/);
			const after = await t.ledger.settings.get(launch);
			assert.equal(after.alerts.deadLetters.enabled, false, 'a refused change leaves the settings as they were');
			assert.equal(after.alerts.ingestionDrop.dropPercent, 50);
		});

		it('the daily digest goes out once a day after its hour: all clear, or what fires', async () => {
			const launch = 'digest';
			const day = Math.floor(Date.now() / (24 * H)) * 24 * H - 2 * 24 * H;
			await configure(launch, { dailyDigestHourUtc: 8 });
			assert.equal((await evaluate(launch, day + 7 * H)).digest, null, 'before 08:00 UTC');
			const first = await evaluate(launch, day + 8 * H + 60_000);
			assert.deepEqual({ ...first.digest!, last24h: undefined }, { kind: 'digest', launch, at: day + 8 * H + 60_000, day: new Date(day).toISOString().slice(0, 10), allClear: true, firing: [], last24h: undefined });
			assert.equal((await evaluate(launch, day + 9 * H)).digest, null, 'once a day');
			await t.ledger.outbox.enqueueMany([{ launch, kind: 'esp_sync', idempotencyKey: 'k1', maxAttempts: 1 }]);
			const [claimed] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.fail(launch, [{ id: claimed!.id, claimToken: claimed!.claimToken, error: 'boom' }]);
			const next = await evaluate(launch, Math.floor(Date.now() / (24 * H)) * 24 * H + 24 * H + 8 * H + 60_000);
			assert.equal(next.digest?.allClear, false);
			assert.deepEqual(next.digest?.firing.map((f) => f.rule), ['dead_letters']);
		});
	});
}

function purchaseEvent(eventId: string, orderId: string, occurredAt: number | null = null): PurchaseEvent {
	return {
		provider: 'stripe',
		eventId,
		type: 'captured',
		providerType: 'checkout.session.completed',
		orderId,
		productId: 'course',
		amount: 5900,
		currency: 'USD',
		email: null,
		customerId: null,
		checkoutToken: null,
		occurredAt,
	};
}
