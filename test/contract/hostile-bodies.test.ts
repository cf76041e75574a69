import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { SignupBody } from '../../ledger';
import { KEPT_PREFIX_BYTES, REFUSALS_KEPT_PER_SOURCE } from '../../ledger/internal';
import { largeStripeEvent, storedBodyBytes } from '../support/hostile-bodies';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Issue 20 rows 1, 2 and 5 on both drivers: a signed payment event is kept whole (processed and
 * replayed from the whole body) or, past 16 MiB, refused 503 and recorded; refused payment
 * deliveries and refused signups keep a 2 KB prefix with size and hash, only the first
 * REFUSALS_KEPT_PER_SOURCE (30) per sender and 10 minutes are rows, the rest are counted and shown by the launch monitor.
 * Each case prints what the ledger stores, before its assertions (so a run on the unfixed code
 * prints the cost it had: 1,000,000 characters per refused or oversized delivery, 16 KB per refused
 * signup, every one of them).
 */

const SECRET = 'whsec_contract_hostile';
const MINUTE = 60_000;
const MB = 1_000_000;
const CAP = REFUSALS_KEPT_PER_SOURCE;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

for (const driver of DRIVERS) {
	describe(`[${driver}] hostile bodies: signed events whole, refusals small and capped`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const setUp = async (launch: string) => {
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
		};

		it('row 1: a signed 2 MB Stripe event is stored whole, processed to a grant, and a replay reads it whole', async () => {
			const launch = 'big-signed';
			await setUp(launch);
			const rawBody = largeStripeEvent('evt_big', 2 * MB, { order: 'pi_big' });
			const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, remoteAddress: '198.51.100.7', ...stripeSign(rawBody, SECRET) });
			console.log(`[${driver}] row 1: a ${Buffer.byteLength(rawBody)}-byte signed event → answered ${received.httpStatus}, stored ${(await storedBodyBytes(t.ledger, launch)).inbox} bytes`);
			assert.equal(received.next.step, 'run', JSON.stringify(received.next).slice(0, 300));
			const entry = await t.ledger.purchases.inboxEntry(received.id);
			assert.equal(entry?.rawBody.length, rawBody.length, 'kept whole');
			assert.equal(entry?.rawBody, rawBody);
			assert.deepEqual([entry?.bodyBytes, entry?.bodySha256, entry?.bodyCut], [Buffer.byteLength(rawBody), sha(rawBody), false]);
			const decision = await t.ledger.purchases.process(received.id);
			assert.deepEqual([decision.decision, decision.reason], ['grant', 'captured']);

			// A second one whose run never came: the replay processes it from the stored body.
			await t.ledger.contacts.upsert({ launch, email: 'bob@example.com' });
			const at = Date.now() - 20 * MINUTE;
			const waiting = largeStripeEvent('evt_big_replay', 2 * MB, { order: 'pi_big_replay', email: 'bob@example.com', customer: 'cus_bob' });
			await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, now: at, ...stripeSign(waiting, SECRET, at) });
			const replayed = await t.ledger.purchases.replayUnprocessed({ launch, olderThanMs: 10 * MINUTE });
			assert.deepEqual(replayed.map((o) => [o.entry.eventId, o.decision?.decision, o.error?.message ?? null]), [['evt_big_replay', 'grant', null]]);
		});

		it('row 1: a signed delivery over 16 MiB is refused 503 (the provider sends it again), kept small and counted by the monitor', async () => {
			const launch = 'too-big-signed';
			await setUp(launch);
			const rawBody = largeStripeEvent('evt_huge', 16 * 1024 * 1024 + 10, { order: 'pi_huge' });
			const delivery = stripeSign(rawBody, SECRET);
			for (let attempt = 1; attempt <= 2; attempt++) {
				const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...delivery });
				const stored = await storedBodyBytes(t.ledger, launch);
				console.log(`[${driver}] row 1: a ${Buffer.byteLength(rawBody)}-byte signed event, attempt ${attempt} → answered ${received.httpStatus}; ${stored.inboxRows} rows, ${stored.inbox} bytes stored`);
				assert.equal(received.next.step, 'answer');
				const answer = received.next.step === 'answer' ? received.next.answer : null;
				assert.deepEqual([answer?.status, answer?.body.reason, received.httpStatus], [503, 'too_large', 503], `attempt ${attempt}: never acknowledged`);
				assert.match(String(answer?.body.message), /sends it again/);
				const entry = await t.ledger.purchases.inboxEntry(received.id);
				assert.deepEqual([entry?.status, entry?.signatureOk, entry?.signatureReason, entry?.bodyCut, entry?.bodyBytes], ['rejected', true, 'too_large', true, Buffer.byteLength(rawBody)]);
				assert.ok(Buffer.byteLength(entry!.rawBody) <= KEPT_PREFIX_BYTES);
			}
			const signals = await t.ledger.monitor.signals({ launch, windowMs: 10 * MINUTE, now: Date.now() + 1 });
			assert.equal(signals.delivery.refusedDeliveries.byReason.too_large, 2, 'the refused_deliveries alert sees it');
		});

		it('row 2: 50 refused 1 MB deliveries from one address keep 30 rows of 2 KB; 20 are counted; the monitor shows all 50', async () => {
			const launch = 'refused-flood';
			const junk = JSON.stringify({ id: 'evt_junk', type: 'checkout.session.completed', pad: 'x'.repeat(MB) });
			const post = (remoteAddress: string, headers: Record<string, string> = { 'content-type': 'application/json' }, now?: number) =>
				t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: junk, headers, remoteAddress, now });
			const answers = [];
			for (let i = 0; i < 50; i++) answers.push(await post('203.0.113.50'));
			const stored = await storedBodyBytes(t.ledger, launch);
			console.log(`[${driver}] row 2: 50 unsigned ${junk.length}-byte posts from one address → ${stored.inboxRows} rows, ${stored.inbox} bytes of body stored`);
			assert.deepEqual(new Set(answers.map((a) => a.httpStatus)), new Set([401]));
			assert.deepEqual([answers.filter((a) => a.kept).length, answers.filter((a) => !a.kept).length], [CAP, 50 - CAP]);
			assert.ok(answers.slice(CAP).every((a) => a.next.step === 'answer' && a.next.answer.body.inboxId === null));
			assert.equal(stored.inboxRows, CAP);
			assert.ok(stored.inbox <= CAP * KEPT_PREFIX_BYTES, `${stored.inbox} bytes`);
			const [kept] = await t.ledger.purchases.inbox(launch, { status: 'rejected', limit: 1 });
			assert.deepEqual([kept?.bodyCut, kept?.bodyBytes, kept?.bodySha256, kept?.remoteAddress], [true, junk.length, sha(junk), '203.0.113.50']);
			assert.ok(junk.startsWith(kept!.rawBody));
			const [counter] = await t.ledger.store.query<{ refused: number; bytes: number }>('SELECT SUM(refused) AS refused, SUM(bytes) AS bytes FROM refusal_counts WHERE launch = $1', [launch]);
			assert.deepEqual([Number(counter?.refused), Number(counter?.bytes)], [50 - CAP, (50 - CAP) * junk.length], 'one counter row per minute, not a row each');

			// Another sender has its own cap; a bogus signature is capped the same way; a signed delivery from the flooded address still runs.
			assert.equal((await post('203.0.113.51', { 'stripe-signature': 't=1,v1=00' })).kept, true);
			const genuine = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_genuine', { order: 'pi_genuine' })), SECRET);
			assert.equal((await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, remoteAddress: '203.0.113.50', ...genuine })).next.step, 'run');
			// The next window keeps rows again.
			assert.equal((await post('203.0.113.50', undefined, Date.now() + 10 * MINUTE)).kept, true);

			const signals = await t.ledger.monitor.signals({ launch, windowMs: 10 * MINUTE, now: Date.now() + 1 });
			const refused = signals.delivery.refusedDeliveries;
			assert.deepEqual([refused.count, refused.notKept, refused.byProvider.stripe], [51, 50 - CAP, 51]);
		});

		it('row 2: concurrent refusals from one address are capped exactly; no secret configured is capped too', async () => {
			const launch = 'refused-burst';
			const post = (secret: string | null) => t.ledger.purchases.receive({ launch, provider: 'stripe', secret, rawBody: '{"id":"evt_x"}', headers: {}, remoteAddress: '203.0.113.60' });
			const answers = await Promise.all(Array.from({ length: CAP + 15 }, () => post(SECRET)));
			assert.equal(answers.filter((a) => a.kept).length, CAP);
			const unconfigured = await post(null);
			assert.deepEqual([unconfigured.httpStatus, unconfigured.kept], [500, false]);
			assert.equal((await storedBodyBytes(t.ledger, launch)).inboxRows, CAP);
		});

		it('row 5: 200 refused 16 KB signups from one address keep 30 rows of 2 KB; 170 are counted; the monitor shows all 200', async () => {
			const launch = 'refused-signups';
			const fields = { email: 'not an email', note: 'y'.repeat(16 * 1024) };
			const body: SignupBody = { ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) };
			const submit = (remoteAddress: string) => t.ledger.capture.submit({ launch, options: {}, request: { body, remoteAddress, userAgent: 'flood' } });
			const results = [];
			for (let i = 0; i < 200; i++) results.push(await submit('203.0.113.70'));
			const stored = await storedBodyBytes(t.ledger, launch);
			console.log(`[${driver}] row 5: 200 refused ${body.raw.length}-byte signups from one address → ${stored.rejectionRows} rows, ${stored.rejections} bytes of payload stored`);
			assert.ok(results.every((r) => !r.accepted && r.status === 422 && r.reason === 'invalid'), 'every one still answered with its reason');
			const ids = results.map((r) => (r.accepted ? undefined : r.rejectionId));
			assert.deepEqual([ids.filter((id) => typeof id === 'number').length, ids.filter((id) => id === null).length], [CAP, 200 - CAP]);
			assert.equal(stored.rejectionRows, CAP);
			assert.ok(stored.rejections <= CAP * KEPT_PREFIX_BYTES);
			const [kept] = await t.ledger.capture.rejections(launch, 1);
			assert.deepEqual([kept?.payloadBytes, kept?.payloadSha256, kept?.reason, kept?.remoteAddress], [body.raw.length, sha(body.raw), 'invalid', '203.0.113.70']);
			assert.ok(kept?.payload?.includes('not an email'), 'what identifies the person is at the start, and kept');
			// "A rejected signup is still recorded": another address's first refusal is a row.
			const other = await submit('203.0.113.71');
			assert.equal(typeof (other.accepted ? null : other.rejectionId), 'number');

			const signals = await t.ledger.monitor.signals({ launch, windowMs: 10 * MINUTE, now: Date.now() + 1 });
			assert.deepEqual([signals.ingestion.refused, signals.ingestion.refusedNotKept, signals.ingestion.refusedByReason.invalid], [201, 200 - CAP, 201]);
		});
	});
}
