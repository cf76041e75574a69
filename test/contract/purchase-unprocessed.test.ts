import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { gumroad, stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';

interface ReplayedSummary {
	eventId: string;
	decision: string | null;
	duplicate: boolean | null;
	error: string | null;
}

const startReplayWorker = (args: object) => startBarrierWorker<ReplayedSummary[]>('test/support/purchase-replay-worker.ts', args);

async function outboxKinds(ledger: Ledger, launch: string): Promise<string[]> {
	const rows = await ledger.store.query<{ kind: string }>("SELECT kind FROM outbox WHERE launch = $1 AND kind IN ('grant', 'revoke') ORDER BY seq", [launch]);
	return rows.map((r) => r.kind);
}

const KEY = 'whsec_contract_unprocessed';
const MINUTE = 60_000;

for (const driver of DRIVERS) {
	describe(`[${driver}] purchases: deliveries left unprocessed by a failed run`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('lists verified deliveries still received after the grace period, oldest first; processing one removes it from the list', async () => {
			const launch = 'unprocessed';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const now = Date.now();
			const receive = (id: string, order: string, at: number, secret = KEY) =>
				t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: at, ...stripeSign(JSON.stringify(stripe.checkoutCompleted(id, { order })), secret, at) });
			const old = await receive('evt_old', 'pi_old', now - 30 * MINUTE);
			const older = await receive('evt_older', 'pi_older', now - 60 * MINUTE);
			const fresh = await receive('evt_fresh', 'pi_fresh', now - 1 * MINUTE);
			const done = await receive('evt_done', 'pi_done', now - 40 * MINUTE);
			await t.ledger.purchases.process(done.id);
			const forged = await receive('evt_forged', 'pi_forged', now - 50 * MINUTE, 'whsec_other');
			assert.equal(forged.status, 'rejected');
			assert.equal(fresh.status, 'received');

			const waiting = await t.ledger.purchases.unprocessed({ launch, olderThanMs: 10 * MINUTE, now });
			assert.deepEqual(waiting.map((e) => e.id), [older.id, old.id], 'not the fresh one (its run may still be going), not processed, not rejected');

			// Access was already granted by evt_done (same person, same product): processed, nothing new to grant.
			const replayed = await t.ledger.purchases.process(older.id);
			assert.deepEqual([replayed.duplicate, (await t.ledger.purchases.inboxEntry(older.id))?.status], [false, 'processed']);
			assert.deepEqual((await t.ledger.purchases.unprocessed({ launch, olderThanMs: 10 * MINUTE, now })).map((e) => e.id), [old.id]);
			assert.deepEqual((await t.ledger.purchases.unprocessed({ launch: 'other-launch', now })).length, 0);
		});
		it('replayUnprocessed decides each waiting delivery as process() does, once; a second replay and a late original run find nothing to do', async () => {
			const launch = 'replay-once';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			await t.ledger.contacts.upsert({ launch, email: 'bob@example.com' });
			const now = Date.now();
			const receive = (id: string, o: { order: string; email?: string; amount?: number }, at: number) =>
				t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: at, ...stripeSign(JSON.stringify(stripe.checkoutCompleted(id, o)), KEY, at) });
			const ada = await receive('evt_ada', { order: 'pi_ada' }, now - 20 * MINUTE);
			const wrongAmount = await receive('evt_bob', { order: 'pi_bob', email: 'bob@example.com', amount: 100 }, now - 15 * MINUTE);
			const fresh = await receive('evt_fresh', { order: 'pi_fresh', email: 'bob@example.com' }, now - 2 * MINUTE);

			const first = await t.ledger.purchases.replayUnprocessed({ launch, olderThanMs: 10 * MINUTE, now, revokeAfterMs: 0 });
			assert.deepEqual(
				first.map((o) => [o.entry.id, o.decision?.decision, o.decision?.reason, o.decision?.duplicate]),
				[
					[ada.id, 'grant', 'captured', false],
					[wrongAmount.id, 'review', 'amount_mismatch', false],
				],
			);
			assert.deepEqual((await t.ledger.purchases.replayUnprocessed({ launch, olderThanMs: 10 * MINUTE, now })).length, 0, 'nothing left to replay');
			// The original run of evt_ada comes back late: process() says it was handled, and grants nothing more.
			const late = await t.ledger.purchases.process(ada.id);
			assert.deepEqual([late.decision, late.reason, late.duplicate], ['no_change', 'already_processed', true]);
			assert.deepEqual(await outboxKinds(t.ledger, launch), ['grant']);
			assert.equal((await t.ledger.purchases.inboxEntry(fresh.id))?.status, 'received', 'a delivery younger than the threshold is left to its own run');
		});

		it('a replay racing the original run for the same delivery grants once', async () => {
			const launch = 'replay-race';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const at = Date.now() - 11 * MINUTE;
			const entry = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: at, ...stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_race', { order: 'pi_race' })), KEY, at) });
			const [replayed, original] = await Promise.all([t.ledger.purchases.replayUnprocessed({ launch }), t.ledger.purchases.process(entry.id)]);
			const decisions = [...replayed.map((o) => o.decision!), original];
			assert.deepEqual(decisions.filter((d) => !d.duplicate).map((d) => d.decision), ['grant'], 'exactly one of them decided');
			assert.deepEqual(await outboxKinds(t.ledger, launch), ['grant']);
		});

		it('one delivery that cannot be processed is returned with its error and stays received; the others are decided', async () => {
			const launch = 'replay-broken';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const at = Date.now() - 20 * MINUTE;
			const receive = (id: string, order: string, when: number) =>
				t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: when, ...stripeSign(JSON.stringify(stripe.checkoutCompleted(id, { order })), KEY, when) });
			const broken = await receive('evt_broken', 'pi_broken', at);
			const good = await receive('evt_good', 'pi_good', at + 1);
			// A stored body that no longer reads as the provider's event (damaged outside the ledger).
			await t.ledger.store.execute('UPDATE purchase_inbox SET raw_body = $1 WHERE id = $2', ['not json', broken.id]);
			const outcomes = await t.ledger.purchases.replayUnprocessed({ launch });
			assert.deepEqual(
				outcomes.map((o) => [o.entry.id, o.decision?.decision ?? null, o.error?.message ?? null]),
				[
					[broken.id, null, 'body: is not JSON'],
					[good.id, 'grant', null],
				],
			);
			assert.equal((await t.ledger.purchases.inboxEntry(broken.id))?.status, 'received', 'kept for a person to look at');
		});

		it('a delivery whose replay keeps failing is retried after a pause that doubles (10, 20, 40 … minutes, at most 6 h), never dropped; once readable it is decided', async () => {
			const launch = 'replay-backoff';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const received = Date.now() - 20 * MINUTE;
			const signed = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_backoff', { order: 'pi_backoff' })), KEY, received);
			const broken = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: received, ...signed });
			await t.ledger.store.execute('UPDATE purchase_inbox SET raw_body = $1 WHERE id = $2', ['not json', broken.id]);

			let now = Date.now();
			const replayIds = async (at: number) => (await t.ledger.purchases.replayUnprocessed({ launch, now: at })).map((o) => [o.entry.id, o.entry.replayAttempts, o.entry.nextReplayAt, o.error?.message ?? o.decision?.decision]);
			assert.deepEqual(await replayIds(now), [[broken.id, 1, now + 10 * MINUTE, 'body: is not JSON']]);
			assert.deepEqual(await replayIds(now + 1 * MINUTE), [], 'not tried again by the next run a minute later');
			assert.deepEqual(await replayIds(now + 9 * MINUTE), []);
			now += 10 * MINUTE;
			assert.deepEqual(await replayIds(now), [[broken.id, 2, now + 20 * MINUTE, 'body: is not JSON']], 'due again after 10 minutes, then 20');
			for (let failures = 3; failures <= 8; failures++) {
				now += 6 * 60 * MINUTE;
				const pause = Math.min(10 * 2 ** (failures - 1), 360) * MINUTE;
				assert.deepEqual(await replayIds(now), [[broken.id, failures, now + pause, 'body: is not JSON']], `failure ${failures}: next in ${pause / MINUTE} min`);
			}
			assert.equal((await t.ledger.purchases.inboxEntry(broken.id))?.status, 'received', 'still waiting, never given up');

			await t.ledger.store.execute('UPDATE purchase_inbox SET raw_body = $1 WHERE id = $2', [signed.rawBody, broken.id]);
			now += 6 * 60 * MINUTE;
			const [fixed] = await t.ledger.purchases.replayUnprocessed({ launch, now });
			assert.equal(fixed?.decision?.decision, 'grant');
			assert.deepEqual(await outboxKinds(t.ledger, launch), ['grant']);
		});

		it('a delivery of a person forgotten before it was processed is closed (ignored, forgotten), not replayed', async () => {
			const launch = 'replay-forgotten';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'gone@example.com' });
			const at = Date.now() - 20 * MINUTE;
			const rawBody = JSON.stringify(stripe.checkoutCompleted('evt_gone', { order: 'pi_gone', email: 'gone@example.com', customer: 'cus_gone' }));
			const entry = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: at, ...stripeSign(rawBody, KEY, at) });
			await t.ledger.contacts.forget({ launch, contactId, source: 'gdpr-request' });
			const closed = await t.ledger.purchases.inboxEntry(entry.id);
			assert.deepEqual([closed?.status, closed?.decision, closed?.rawBody], ['ignored', 'forgotten', '{"forgotten":true}']);
			assert.deepEqual(await t.ledger.purchases.replayUnprocessed({ launch }), []);
		});

		it('leaves a Gumroad sale whose confirmation is pending to the provider\'s repeat, and replays it once confirmed', async () => {
			const launch = 'replay-gumroad';
			await t.ledger.purchases.defineProduct({ launch, productId: 'prod_gum' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const at = Date.now() - 30 * MINUTE;
			const secret = 'gumroad-url-secret';
			const entry = await t.ledger.purchases.receive({ launch, provider: 'gumroad', secret, urlSecret: secret, rawBody: gumroad.sale({ order: 'sale_pending' }), headers: {}, now: at });
			await t.ledger.purchases.recordConfirmation(entry.id, { confirmed: false, final: false, reason: 'HTTP 503' });
			assert.deepEqual(await t.ledger.purchases.replayUnprocessed({ launch }), [], 'processing it now would decide it unconfirmed for good');
			await t.ledger.purchases.recordConfirmation(entry.id, { confirmed: true });
			assert.deepEqual((await t.ledger.purchases.replayUnprocessed({ launch })).map((o) => o.decision?.decision), ['grant']);
		});
	});
}

// Two schedules (or two n8n workers) replaying at the same moment, from separate OS processes.
for (const driver of DRIVERS) {
	describe(`[${driver}] two replays of unprocessed deliveries from two OS processes at once`, () => {
		const launch = 'replay-procs';
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				await ledger.purchases.defineProduct({ launch, productId: 'course' });
				const at = Date.now() - 20 * MINUTE;
				for (let i = 0; i < 12; i++) {
					const email = `buyer${i}@example.com`;
					await ledger.contacts.upsert({ launch, email });
					const rawBody = JSON.stringify(stripe.checkoutCompleted(`evt_${i}`, { order: `pi_${i}`, email, customer: `cus_${i}` }));
					await ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: at + i, ...stripeSign(rawBody, KEY, at) });
				}
			} finally {
				await ledger.close();
			}
		});
		after(async () => db.drop());

		it('processes every delivery once: each is decided by exactly one process, the other sees it handled', async () => {
			const workers = [0, 1].map(() => startReplayWorker({ config: db.config, launch, olderThanMs: 10 * MINUTE }));
			await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.result))]);
			for (const w of workers) w.go();
			const results = await Promise.all(workers.map((w) => w.result));
			const all = results.flat();
			assert.deepEqual(all.filter((o) => o.error !== null), [], 'no replay failed');
			const decided = all.filter((o) => o.duplicate === false);
			assert.deepEqual(decided.map((o) => o.eventId).sort(), Array.from({ length: 12 }, (_, i) => `evt_${i}`).sort(), 'each delivery decided once');
			assert.ok(decided.every((o) => o.decision === 'grant'));
			assert.ok(all.filter((o) => o.duplicate === true).every((o) => o.decision === 'no_change'));

			const ledger = new Ledger(await openStore(db.config));
			try {
				assert.deepEqual(await outboxKinds(ledger, launch), Array.from({ length: 12 }, () => 'grant'), 'twelve grants, not more');
				const byContact = await ledger.store.query<{ contact_id: string; n: number | string }>(
					"SELECT contact_id, COUNT(*) AS n FROM outbox WHERE launch = $1 AND kind = 'grant' GROUP BY contact_id",
					[launch],
				);
				assert.deepEqual([byContact.length, byContact.every((r) => Number(r.n) === 1)], [12, true]);
				assert.deepEqual((await ledger.purchases.inbox(launch, { status: 'received' })).length, 0);
			} finally {
				await ledger.close();
			}
		});
	});
}
