import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { LedgerInputError, parseRetryAfter } from '../../ledger';
import { HOLDING_TAG, outboxRetryDelay } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const MINUTE = 60_000;

for (const driver of DRIVERS) {
	describe(`[${driver}] outbox: enqueue, claim, ack, fail, dead letter`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('keeps one entry per idempotency key, and says so', async () => {
			const launch = 'idem';
			const first = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp:a', payload: { email: 'a@example.com' } });
			const again = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp:a', payload: { email: 'changed@example.com' } });
			assert.deepEqual([first.created, again.created], [true, false]);
			assert.equal(again.id, first.id);
			const entries = await t.ledger.outbox.list({ launch });
			assert.equal(entries.length, 1);
			assert.deepEqual(entries[0]!.payload, { email: 'a@example.com' }, 'the first entry wins');
			// The same key in another launch is another entry.
			assert.equal((await t.ledger.outbox.enqueue({ launch: 'other', kind: 'esp_sync', idempotencyKey: 'esp:a' })).created, true);
			await assert.rejects(
				t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: '  ' }),
				(e: unknown) => e instanceof LedgerInputError && e.field === 'idempotencyKey',
			);
		});

		it('enqueueMany gives each input what enqueue one by one gives: repeats in the list and in the ledger, held kinds, order', async () => {
			const launch = 'many';
			const [contact] = [(await t.ledger.contacts.upsert({ launch, email: 'held@example.com' })).contactId];
			const existing = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'k:old' });
			await t.ledger.outbox.pause({ launch, by: 'ops@example.com', reason: 'check', scope: 'grants' });
			const results = await t.ledger.outbox.enqueueMany([
				{ launch, kind: 'esp_sync', idempotencyKey: 'k:1', payload: { n: 1 } },
				{ launch, kind: 'esp_sync', idempotencyKey: 'k:old', payload: { n: 2 } },
				{ launch, kind: 'grant', idempotencyKey: 'k:grant', contactId: contact },
				{ launch, kind: 'esp_sync', idempotencyKey: 'k:1', payload: { n: 3 } },
				{ launch: 'many-other', kind: 'esp_sync', idempotencyKey: 'k:1' },
			]);
			assert.deepEqual(results.map((r) => [r.created, r.status]), [
				[true, 'pending'],
				[false, 'pending'],
				[true, 'held'],
				[false, 'pending'],
				[true, 'pending'],
			]);
			assert.equal(results[1]!.id, existing.id);
			assert.equal(results[3]!.id, results[0]!.id, 'a key repeated in the list is the first one\'s entry');
			assert.ok((await t.ledger.contacts.get(contact))?.tags.includes(HOLDING_TAG), 'a held grant puts its contact in the holding segment');
			assert.equal((await t.ledger.contacts.launchHistory(launch, { types: ['outbox.held'] })).length, 1);
			const entries = await t.ledger.outbox.list({ launch });
			assert.deepEqual(entries.find((e) => e.id === results[0]!.id)?.payload, { n: 1 }, 'the first input wins');
			await assert.rejects(
				t.ledger.outbox.enqueueMany([{ launch, kind: 'esp_sync', idempotencyKey: 'k:fine' }, { launch, kind: '', idempotencyKey: 'k:bad' }]),
				(e: unknown) => e instanceof LedgerInputError && e.field === 'kind',
			);
			assert.equal((await t.ledger.outbox.list({ launch })).some((e) => e.idempotencyKey === 'k:fine'), false, 'nothing is written when an input is invalid');
		});

		it('claims a batch in order, once, and acks it with the vendor response id', async () => {
			const launch = 'batch';
			for (let i = 0; i < 5; i++) await t.ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: `crm:${i}`, payload: { i } });
			await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:1' });
			const now = Date.now();
			const batch = await t.ledger.outbox.claim({ launch, kinds: ['crm_sync'], limit: 3, leaseMs: MINUTE, workerId: 'w1', now });
			assert.deepEqual(batch.map((e) => e.payload.i), [0, 1, 2]);
			assert.ok(batch.every((e) => e.status === 'claimed' && e.attempts === 1 && e.claimToken && e.leaseUntil === now + MINUTE));
			const rest = await t.ledger.outbox.claim({ launch, kinds: 'crm_sync', limit: 10, leaseMs: MINUTE, workerId: 'w2', now });
			assert.deepEqual(rest.map((e) => e.payload.i), [3, 4], 'claimed entries are not handed out twice');
			assert.equal((await t.ledger.outbox.claim({ launch, kinds: ['crm_sync'], limit: 10, leaseMs: MINUTE, workerId: 'w3', now })).length, 0);

			const acks = await t.ledger.outbox.ack(launch, batch.map((e, i) => ({ id: e.id, claimToken: e.claimToken, responseId: `hs-${i}` })));
			assert.deepEqual(acks.map((a) => a.outcome), ['done', 'done', 'done']);
			const done = await t.ledger.outbox.get(batch[0]!.id);
			assert.equal(done?.status, 'done');
			assert.equal(done?.responseId, 'hs-0');
			const twice = await t.ledger.outbox.ack(launch, [{ id: batch[0]!.id, claimToken: batch[0]!.claimToken }]);
			assert.equal(twice[0]!.outcome, 'already_done');
			await assert.rejects(t.ledger.outbox.claim({ launch, limit: 0, leaseMs: MINUTE, workerId: 'w' }), (e: unknown) => e instanceof LedgerInputError && e.field === 'limit');
		});

		it('acks a list with the outcome one-by-one acks would give: stale tokens, repeats, unknown ids', async () => {
			const launch = 'acks';
			await t.ledger.outbox.enqueueMany(['a', 'b', 'c'].map((k) => ({ launch, kind: 'esp_sync', idempotencyKey: `ack:${k}` })));
			const [a, b, c] = await t.ledger.outbox.claim({ launch, limit: 10, leaseMs: MINUTE, workerId: 'w' });
			const results = await t.ledger.outbox.ack(launch, [
				{ id: a!.id, claimToken: a!.claimToken, responseId: 'first' },
				{ id: b!.id, claimToken: 'not-the-token' },
				{ id: a!.id, claimToken: a!.claimToken, responseId: 'second' },
				{ id: 'no-such-entry', claimToken: 'x' },
				{ id: c!.id, claimToken: 'stale' },
				{ id: c!.id, claimToken: c!.claimToken, responseId: 'c-ok' },
			]);
			assert.deepEqual(results.map((r) => r.outcome), ['done', 'lease_lost', 'already_done', 'not_found', 'lease_lost', 'done']);
			const entries = await t.ledger.outbox.list({ launch });
			const byId = new Map(entries.map((e) => [e.id, e]));
			assert.equal(byId.get(a!.id)?.responseId, 'first', 'the first ack of an entry counts');
			assert.equal(byId.get(b!.id)?.status, 'claimed', 'a wrong token leaves the entry with its holder');
			assert.equal(byId.get(c!.id)?.status, 'done');
			assert.equal(byId.get(c!.id)?.responseId, 'c-ok');
		});

		it('retries with exponential backoff and jitter, honours Retry-After, and dead-letters after the last attempt', async () => {
			const launch = 'retry';
			const { id } = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp:r', maxAttempts: 3 });
			let now = Date.now();
			const claim = async () => {
				const [entry] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'w', now });
				assert.ok(entry, `entry due at ${now}`);
				return entry;
			};
			let entry = await claim();
			const [first] = await t.ledger.outbox.fail(launch, [{ id, claimToken: entry.claimToken, error: 'HTTP 503' }], { now, baseDelayMs: 10_000, random: () => 0.5 });
			assert.equal(first!.outcome, 'retry');
			assert.equal(first!.nextAttemptAt, now + 7_500, 'attempt 1: 10 s with equal jitter at 0.5 → 7.5 s');
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'w', now: now + 7_499 })).length, 0, 'not before its time');

			now += 7_500;
			entry = await claim();
			const [second] = await t.ledger.outbox.fail(launch, [{ id, claimToken: entry.claimToken, error: 'HTTP 429', retryAfter: '120' }], { now, random: () => 0 });
			assert.equal(second!.nextAttemptAt, now + 120_000, 'Retry-After in seconds wins over the backoff');
			const stored = await t.ledger.outbox.get(id);
			assert.equal(stored?.status, 'failed');
			assert.equal(stored?.lastError, 'HTTP 429');

			now += 120_000;
			entry = await claim();
			const [third] = await t.ledger.outbox.fail(launch, [{ id, claimToken: entry.claimToken, error: 'HTTP 500 again' }], { now });
			assert.equal(third!.outcome, 'dead');
			const dead = await t.ledger.outbox.dead(launch);
			assert.deepEqual(dead.map((d) => [d.id, d.attempts, d.lastError]), [[id, 3, 'HTTP 500 again']]);
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'w', now: now + 10 * 24 * 3600_000 })).length, 0);
			const events = await t.ledger.contacts.launchHistory(launch, { types: ['outbox.*'] });
			assert.deepEqual(events.map((e) => e.type), ['outbox.dead']);

			const { requeued } = await t.ledger.outbox.requeueDead({ launch, ids: [id], source: 'test' });
			assert.deepEqual(requeued, [id]);
			const back = await t.ledger.outbox.get(id);
			assert.deepEqual([back?.status, back?.attempts, back?.lastError], ['pending', 0, 'HTTP 500 again']);
			await assert.rejects(t.ledger.outbox.requeueDead({ launch, ids: [id] }), (e: unknown) => e instanceof LedgerInputError && e.field === 'ids');
		});

		it('dead-letters at once on a permanent failure, keeping the error', async () => {
			const launch = 'permanent';
			const { id } = await t.ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'p' });
			const [entry] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'w' });
			const [result] = await t.ledger.outbox.fail(launch, [{ id, claimToken: entry!.claimToken, error: '400 invalid email', permanent: true }]);
			assert.equal(result!.outcome, 'dead');
			assert.equal((await t.ledger.outbox.get(id))?.lastError, '400 invalid email');
		});

		it('re-claims an expired lease exactly once, and refuses the stale holder', async () => {
			const launch = 'lease';
			const { id } = await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:lease' });
			const now = Date.now();
			const [first] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'crashed', now });
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'early', now: now + MINUTE - 1 })).length, 0, 'lease still held');
			const health = await t.ledger.outbox.health(launch, now + MINUTE);
			assert.equal(health.expiredLeases, 1);

			// Several workers see the expired lease at once; exactly one gets it.
			const reclaims = await Promise.all(
				['a', 'b', 'c', 'd'].map((w) => t.ledger.outbox.claim({ launch, limit: 5, leaseMs: MINUTE, workerId: w, now: now + MINUTE })),
			);
			const winners = reclaims.flat();
			assert.equal(winners.length, 1);
			assert.equal(winners[0]!.id, id);
			assert.equal(winners[0]!.attempts, 2);
			assert.notEqual(winners[0]!.claimToken, first!.claimToken);

			const stale = await t.ledger.outbox.ack(launch, [{ id, claimToken: first!.claimToken, responseId: 'late' }]);
			assert.equal(stale[0]!.outcome, 'lease_lost');
			const staleFail = await t.ledger.outbox.fail(launch, [{ id, claimToken: first!.claimToken, error: 'late' }]);
			assert.equal(staleFail[0]!.outcome, 'lease_lost');
			const ack = await t.ledger.outbox.ack(launch, [{ id, claimToken: winners[0]!.claimToken, responseId: 'r2' }]);
			assert.equal(ack[0]!.outcome, 'done');
			const entry = await t.ledger.outbox.get(id);
			assert.deepEqual([entry?.status, entry?.responseId, entry?.claimedBy], ['done', 'r2', winners[0]!.claimedBy]);
		});

		it('dead-letters an entry whose lease expired on its last attempt instead of handing it out again', async () => {
			const launch = 'lease-dead';
			const { id } = await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'g', maxAttempts: 1 });
			const now = Date.now();
			await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'gone', now });
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'next', now: now + 2 * MINUTE })).length, 0);
			const entry = await t.ledger.outbox.get(id);
			assert.equal(entry?.status, 'dead');
			assert.match(entry?.lastError ?? '', /lease expired on the last attempt \(gone/);
		});

		it('release gives an entry back without counting an attempt', async () => {
			const launch = 'release';
			const { id } = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'x' });
			const now = Date.now();
			const [entry] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'w', now });
			const [released] = await t.ledger.outbox.release(launch, [{ id, claimToken: entry!.claimToken }], { delayMs: 5000, now });
			assert.equal(released!.outcome, 'done');
			const back = await t.ledger.outbox.get(id);
			assert.deepEqual([back?.status, back?.attempts, back?.nextAttemptAt], ['pending', 0, now + 5000]);
			const [again] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: MINUTE, workerId: 'w', now: now + 5000 });
			assert.equal(again?.id, id);
		});
	});

	describe(`[${driver}] outbox kill switch`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('holds grants during a pause, tags the contacts, releases them in order on resume', async () => {
			const launch = 'switch';
			const contacts = [];
			for (const name of ['a', 'b', 'c', 'd']) contacts.push((await t.ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId);
			const before = await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:0', contactId: contacts[0] });
			const { heldNow } = await t.ledger.outbox.pause({ launch, by: 'ops@example.com', reason: 'wrong product mapping', source: 'test' });
			assert.equal(heldNow, 1, 'a waiting grant is held too');
			const held = [];
			for (let i = 1; i < 4; i++) held.push(await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: `grant:${i}`, contactId: contacts[i] }));
			assert.ok(held.every((h) => h.status === 'held'));
			const sync = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp:1', contactId: contacts[1] });
			assert.equal(sync.status, 'pending', 'a grants-only pause does not hold ESP sync');

			const claimed = await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: MINUTE, workerId: 'w' });
			assert.deepEqual(claimed.map((c) => c.kind), ['esp_sync'], 'no grant leaves during the pause');
			assert.equal((await t.ledger.outbox.held(launch)).length, 4);
			for (const c of contacts) assert.ok((await t.ledger.contacts.get(c))?.tags.includes(HOLDING_TAG), 'each held contact is in the holding segment');
			assert.deepEqual((await t.ledger.outbox.pauseState(launch)).pausedBy, 'ops@example.com');

			const { released } = await t.ledger.outbox.resume({ launch, by: 'ops@example.com', reason: 'mapping fixed' });
			assert.equal(released, 4);
			const grants = await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: MINUTE, workerId: 'w' });
			assert.deepEqual(grants.map((g) => g.id), [before.id, ...held.map((h) => h.id)], 'released in their original order');
			for (const c of contacts) assert.ok(!(await t.ledger.contacts.get(c))?.tags.includes(HOLDING_TAG), 'holding segment emptied');
			const events = await t.ledger.contacts.launchHistory(launch, { types: ['outbox.paused', 'outbox.resumed'] });
			assert.deepEqual(
				events.map((e) => [e.type, e.data.by, e.data.reason]),
				[
					['outbox.paused', 'ops@example.com', 'wrong product mapping'],
					['outbox.resumed', 'ops@example.com', 'mapping fixed'],
				],
			);
		});

		it('lets a person release or discard single held entries while paused; "all" holds every kind', async () => {
			const launch = 'single';
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'vip@example.com' });
			await t.ledger.outbox.pause({ launch, scope: 'all', by: 'ops', reason: 'ESP outage' });
			const vip = await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'vip', contactId });
			const spam = await t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'spam' });
			const esp = await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp' });
			assert.deepEqual([vip.status, spam.status, esp.status], ['held', 'held', 'held']);
			await t.ledger.outbox.releaseHeld({ launch, ids: [vip.id], by: 'ops', reason: 'verified buyer' });
			await t.ledger.outbox.discardHeld({ launch, ids: spam.id, by: 'ops', reason: 'test purchase' });
			assert.equal((await t.ledger.outbox.get(spam.id))?.status, 'discarded');
			assert.ok(!(await t.ledger.contacts.get(contactId))?.tags.includes(HOLDING_TAG));
			const claimed = await t.ledger.outbox.claim({ launch, limit: 10, leaseMs: MINUTE, workerId: 'w' });
			assert.deepEqual(claimed.map((c) => c.id), [vip.id], 'only the released entry passes the switch');
			await assert.rejects(
				t.ledger.outbox.discardHeld({ launch, ids: [spam.id], by: 'ops', reason: 'again' }),
				(e: unknown) => e instanceof LedgerInputError && e.field === 'ids',
			);
			await assert.rejects(t.ledger.outbox.pause({ launch, by: 'ops', reason: '' }), (e: unknown) => e instanceof LedgerInputError && e.field === 'reason');
			const { released } = await t.ledger.outbox.resume({ launch, by: 'ops', reason: 'back' });
			assert.equal(released, 1);
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 10, leaseMs: MINUTE, workerId: 'w' }))[0]?.id, esp.id);
		});
	});
}

describe('Retry-After and backoff arithmetic', () => {
	it('reads seconds and HTTP dates', () => {
		const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
		assert.equal(parseRetryAfter('120', now), 120_000);
		assert.equal(parseRetryAfter(1.5, now), 1_500);
		assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:29:30 GMT', now), 90_000);
		assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now), 0, 'a past date means now');
		assert.equal(parseRetryAfter('', now), null);
		assert.throws(() => parseRetryAfter('soon', now), (e: unknown) => e instanceof LedgerInputError && e.field === 'retryAfter');
	});

	it('doubles per attempt up to the cap, jitter within [half, full]', () => {
		assert.equal(outboxRetryDelay(1, { baseDelayMs: 1000, random: () => 0 }), 500);
		assert.equal(outboxRetryDelay(3, { baseDelayMs: 1000, random: () => 0.999999 }), 4000);
		assert.equal(outboxRetryDelay(30, { baseDelayMs: 1000, maxDelayMs: 60_000, random: () => 0 }), 30_000);
	});
});
