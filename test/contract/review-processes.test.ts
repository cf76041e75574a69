import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { startBarrierWorker } from '../support/barrier-worker';
import { stripeSign } from '../support/purchase-signing';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';

/** Two (or more) people resolving one review item at the same moment settle it once. */

interface Outcome {
	ok: boolean;
	by: string;
	error?: string;
}

const SECRET = 'whsec_review_race';
const PROCESSES = 4;

async function unknownBuyer(ledger: Ledger, launch: string, order: string): Promise<{ reviewId: string; contactId: string }> {
	await ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
	const rawBody = JSON.stringify(stripe.checkoutCompleted(`evt_${order}`, { email: `${order}@pay.example`, customer: `cus_${order}`, order }));
	const received = await ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
	const decision = await ledger.purchases.process(received.id);
	const { contactId } = await ledger.contacts.upsert({ launch, email: `${order}.buyer@example.com` });
	return { reviewId: decision.reviewId!, contactId };
}

function assertSettledOnce(outcomes: Outcome[], count: number): string {
	const winners = outcomes.filter((o) => o.ok);
	assert.equal(winners.length, 1, `exactly one settles it: ${JSON.stringify(outcomes)}`);
	const winner = winners[0]!.by;
	for (const lost of outcomes.filter((o) => !o.ok)) assert.match(lost.error!, new RegExp(`already resolved by ${winner} at \\d{4}-.*Nothing was done again`));
	assert.equal(outcomes.length, count);
	return winner;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] one review item resolved from ${PROCESSES} OS processes at once`, () => {
		let db: TestDatabase;
		let item: { reviewId: string; contactId: string };
		before(async () => {
			db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				item = await unknownBuyer(ledger, 'race', 'pi_race');
			} finally {
				await ledger.close();
			}
		});
		after(async () => db.drop());

		it('one match wins; the others read who resolved it and when; the grant is enqueued once', async () => {
			const workers = Array.from({ length: PROCESSES }, (_, i) =>
				startBarrierWorker<Outcome>('test/support/review-action-worker.ts', { config: db.config, action: i % 2 ? 'dismiss' : 'match', reviewId: item.reviewId, contactId: item.contactId, by: `tab${i}` }),
			);
			await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.result))]);
			for (const w of workers) w.go();
			const outcomes = await Promise.all(workers.map((w) => w.result));
			const winner = assertSettledOnce(outcomes, PROCESSES);

			const ledger = new Ledger(await openStore(db.config));
			try {
				const resolved = await ledger.review.get(item.reviewId);
				assert.equal(resolved?.resolvedBy, winner);
				const grants = await ledger.store.query<{ contact_id: string }>('SELECT contact_id FROM outbox WHERE launch = $1 AND kind = $2', ['race', 'grant']);
				const matchedWon = Number(winner.slice(3)) % 2 === 0;
				assert.deepEqual(grants.map((g) => g.contact_id), matchedWon ? [item.contactId] : [], 'a grant only if the match won, and then once');
				const events = await ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE launch = $1 AND type = 'review.resolved'`, ['race']);
				assert.equal(Number(events[0]!.n), 1, 'resolved once in history');
			} finally {
				await ledger.close();
			}
		});
	});

	describe(`[${driver}] actions on one item in parallel in one process`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('match, pin and dismiss at once: one of them happens, once', async () => {
			const { reviewId, contactId } = await unknownBuyer(t.ledger, 'par', 'pi_par');
			const calls = [
				() => t.ledger.review.matchPurchase({ reviewId, contactId, by: 'a', reason: 'r' }),
				() => t.ledger.review.matchPurchase({ reviewId, contactId, by: 'b', reason: 'r' }),
				() => t.ledger.review.pin({ reviewId, contactId, pin: 'grant', by: 'c', reason: 'r' }),
				() => t.ledger.review.dismiss({ reviewId, by: 'd', reason: 'r' }),
			];
			const settled = await Promise.allSettled(calls.map((c) => c()));
			const outcomes = settled.map((s, i): Outcome => ({ ok: s.status === 'fulfilled', by: 'abcd'[i]!, error: s.status === 'rejected' ? (s.reason as Error).message : undefined }));
			const winner = assertSettledOnce(outcomes, 4);
			const grants = await t.ledger.store.query<{ contact_id: string }>('SELECT contact_id FROM outbox WHERE launch = $1 AND kind = $2', ['par', 'grant']);
			assert.equal(grants.length, winner === 'd' ? 0 : 1);
		});

		it('release and discard of one held grant at once: one of them happens', async () => {
			const launch = 'par-held';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			await t.ledger.outbox.pause({ launch, by: 'sam', reason: 'check' });
			await t.ledger.contacts.upsert({ launch, email: 'held@example.com' });
			const rawBody = JSON.stringify(stripe.checkoutCompleted('evt_held', { email: 'held@example.com', order: 'pi_held' }));
			const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
			const entryId = (await t.ledger.purchases.process(received.id)).outboxId!;
			const input = { launch, entryId, reason: 'r' };
			const settled = await Promise.allSettled([t.ledger.review.releaseHeld({ ...input, by: 'a' }), t.ledger.review.discardHeld({ ...input, by: 'b' })]);
			assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 1);
			const lost = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
			assert.match((lost.reason as Error).message, /is (pending|discarded) since .*, not held/);
		});
	});
}
