import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { Ledger, openStore, type SignupBody, type SubmitResult } from '../../ledger';
import { joinLine, leaveLine, placeByScan, placeInLine, recordReferral, setSpotsPerReferral, updateLineEntry } from '../../ledger/internal';
import { DRIVERS, freshDatabase, freshLedger, type TestLedger } from '../support/stores';
import { runJsonWorker } from '../support/json-worker';

/**
 * Referral codes, credits and the line (issue 19): a code per person at capture, credit once per
 * referred person (parallel signups of one person in several processes included), self-referrals
 * refused, withheld credits released, merges keep codes and credits, forget removes the person from
 * the line — and every place in line equals a brute-force sort on random histories.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
type Accepted = Extract<SubmitResult, { accepted: true }>;

async function signup(t: TestLedger, launch: string, fields: Record<string, unknown>): Promise<Accepted['result']> {
	const result = await t.ledger.capture.submit({ launch, options: {}, request: { body: json(fields), remoteAddress: '203.0.113.9', userAgent: 'contract-test' } });
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return (result as Accepted).result;
}

const runWorker = (args: object) => runJsonWorker<Array<{ contactId: string }>>('test/support/signup-worker.ts', args);

for (const driver of DRIVERS) {
	describe(`[${driver}] referrals and the line`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('every new signup gets its own code and the next place; a repeat keeps both', async () => {
			const launch = 'codes';
			const ada = await signup(t, launch, { email: 'ada@example.com' });
			const bob = await signup(t, launch, { email: 'bob@example.com' });
			assert.match(ada.referral.code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
			assert.notEqual(ada.referral.code, bob.referral.code);
			assert.equal((await t.ledger.referrals.place(launch, ada.contactId))?.place, 1);
			assert.equal((await t.ledger.referrals.place(launch, bob.contactId))?.place, 2);
			const again = await signup(t, launch, { email: 'ADA@example.com' });
			assert.equal(again.referral.code, ada.referral.code);
			const standing = await t.ledger.referrals.standing({ launch, contactId: ada.contactId });
			assert.deepEqual({ place: standing.place, of: standing.of, referrals: standing.referrals }, { place: 1, of: 2, referrals: { counted: 0, pending: 0 } });
		});

		it('a referred signup credits its referrer once and moves them up by the spots setting; a repeat with another code changes nothing', async () => {
			const launch = 'credit';
			await t.ledger.referrals.setSpotsPerReferral(launch, 3);
			const people = [];
			for (let i = 0; i < 6; i++) people.push(await signup(t, launch, { email: `p${i}@example.com` }));
			const last = people[5]!;
			assert.equal((await t.ledger.referrals.place(launch, last.contactId))?.place, 6);
			const friend = await signup(t, launch, { email: 'friend@example.com', ref: last.referral.code.toLowerCase() });
			assert.equal(friend.referral.referredBy?.outcome, 'recorded');
			assert.equal(friend.referral.referredBy && 'status' in friend.referral.referredBy ? friend.referral.referredBy.status : null, 'credited');
			// Number 6 with one credit worth 3 places has score 3, tied with number 3: the earlier signup goes first.
			assert.equal((await t.ledger.referrals.place(launch, last.contactId))?.place, 4);
			const repeat = await signup(t, launch, { email: 'friend@example.com', ref: people[0]!.referral.code });
			assert.equal(repeat.referral.referredBy, undefined, 'someone already on the list was not brought by the link');
			const standing = await t.ledger.referrals.standing({ launch, contactId: last.contactId });
			assert.deepEqual(standing.referrals, { counted: 1, pending: 0 });
			assert.equal((await t.ledger.referrals.standing({ launch, contactId: people[0]!.contactId })).referrals.counted, 0);
		});

		it('self-referrals are refused: the same contact, the same mailbox spelled another way', async () => {
			const launch = 'self';
			const ada = await signup(t, launch, { email: 'ada.lovelace@gmail.com' });
			const twin = await signup(t, launch, { email: 'Ada.Lovelace+waitlist@googlemail.com', ref: ada.referral.code });
			// Gmail folding is off for identity here, so these are two contacts — but one mailbox.
			assert.notEqual(twin.contactId, ada.contactId);
			const outcome = twin.referral.referredBy!;
			assert.equal(outcome.outcome, 'recorded');
			assert.equal('status' in outcome && outcome.status, 'refused');
			assert.match('reason' in outcome ? String(outcome.reason) : '', /same mailbox/);
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: ada.contactId })).referrals, { counted: 0, pending: 0 });
		});

		it('an unknown or broken code is recorded and the person still joins', async () => {
			const launch = 'unknown';
			const result = await signup(t, launch, { email: 'zoe@example.com', ref: 'NOT A CODE!' });
			assert.equal(result.referral.referredBy?.outcome, 'unknown_code');
			assert.equal((await t.ledger.referrals.place(launch, result.contactId))?.place, 1);
			const history = await t.ledger.contacts.history(result.contactId);
			assert.ok(history.some((e) => e.type === 'referral.unknown_code'), 'the history says which code did not count');
		});

		it('a withheld credit does not count until released, and stops counting when withheld again', async () => {
			const launch = 'withheld';
			const ref = await signup(t, launch, { email: 'ref@example.com' });
			const other = await signup(t, launch, { email: 'other@example.com' });
			const friend = await signup(t, launch, { email: 'friend@example.com' });
			const outcome = await t.ledger.store.transaction((tx) => recordReferral(tx, { launch, referredId: friend.contactId, code: other.referral.code, now: Date.now(), withholdReason: 'unconfirmed' }));
			assert.equal(outcome.outcome === 'recorded' && outcome.status, 'withheld');
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: other.contactId })).referrals, { counted: 0, pending: 1 });
			assert.equal((await t.ledger.referrals.place(launch, other.contactId))?.place, 2);
			await t.ledger.referrals.release({ launch, referredId: friend.contactId });
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: other.contactId })).referrals, { counted: 1, pending: 0 });
			// Number 2 with one credit worth one place has score 1, tied with number 1: the earlier signup goes first.
			assert.equal((await t.ledger.referrals.place(launch, other.contactId))?.place, 2);
			await t.ledger.referrals.setSpotsPerReferral(launch, 2);
			assert.equal((await t.ledger.referrals.place(launch, other.contactId))?.place, 1);
			await t.ledger.referrals.withhold({ launch, referredId: friend.contactId, reason: 'flagged: disposable domain' });
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: other.contactId })).referrals, { counted: 0, pending: 1 });
			assert.equal((await t.ledger.referrals.place(launch, ref.contactId))?.place, 1);
		});

		it('20 parallel signups of one referred person in 4 processes credit the referrer exactly once', async () => {
			const db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				const launch = 'race';
				const referrer = await ledger.capture.submit({ launch, options: {}, request: { body: json({ email: 'host@example.com' }), remoteAddress: '203.0.113.1', userAgent: 't' } });
				assert.ok(referrer.accepted);
				const code = referrer.result.referral.code;
				const results = await Promise.all(Array.from({ length: 4 }, () => runWorker({ config: db.config, launch, fields: { email: 'guest@example.com', ref: code }, count: 5 })));
				const ids = new Set(results.flat().map((r) => r.contactId));
				assert.equal(ids.size, 1, 'one contact for the one person');
				const standing = await ledger.referrals.standing({ launch, contactId: referrer.result.contactId });
				assert.deepEqual(standing.referrals, { counted: 1, pending: 0 });
				assert.equal(standing.of, 2);
				const history = await ledger.contacts.history(referrer.result.contactId);
				assert.equal(history.filter((e) => e.type === 'referral.credited').length, 1);
			} finally {
				await ledger.close();
				await db.drop();
			}
		});

		it('a merge keeps both codes, moves earned credits, keeps the earlier place and one referred credit; unmerge puts them back', async () => {
			const launch = 'merge';
			const a = await signup(t, launch, { email: 'a@example.com' });
			const b = await signup(t, launch, { email: 'b@example.com' });
			const early = await signup(t, launch, { email: 'early@example.com' });
			const half1 = await signup(t, launch, { email: 'half1@example.com', ref: a.referral.code });
			const half2 = await signup(t, launch, { email: 'half2@example.com', ref: b.referral.code });
			const fan = await signup(t, launch, { email: 'fan@example.com', ref: half2.referral.code });
			assert.equal(fan.referral.referredBy?.outcome, 'recorded');
			await t.ledger.contacts.merge({ launch, sourceContactId: half2.contactId, targetContactId: half1.contactId });
			const merged = await t.ledger.referrals.standing({ launch, contactId: half1.contactId });
			assert.deepEqual(new Set(merged.codes), new Set([half1.referral.code, half2.referral.code]));
			assert.deepEqual(merged.referrals, { counted: 1, pending: 0 }, 'the fan half2 brought now counts for the merged person');
			assert.equal(merged.referredBy?.referrerId, a.contactId, 'the older referral of the two halves stays');
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: b.contactId })).referrals, { counted: 0, pending: 0 }, 'one person, one credit as referred');
			assert.equal(merged.of, 5);
			// A later signup through the merged-away half's link credits the merged person.
			await signup(t, launch, { email: 'late@example.com', ref: half2.referral.code });
			assert.equal((await t.ledger.referrals.standing({ launch, contactId: half1.contactId })).referrals.counted, 2);
			void early;
			await t.ledger.contacts.unmerge({ launch, contactId: half2.contactId });
			const back1 = await t.ledger.referrals.standing({ launch, contactId: half1.contactId });
			const back2 = await t.ledger.referrals.standing({ launch, contactId: half2.contactId });
			assert.deepEqual(back1.codes, [half1.referral.code]);
			assert.deepEqual(back2.codes, [half2.referral.code]);
			assert.equal(back2.referredBy?.referrerId, b.contactId);
			assert.equal((await t.ledger.referrals.standing({ launch, contactId: b.contactId })).referrals.counted, 1);
			assert.equal(back1.referrals.counted + back2.referrals.counted, 2, 'the fan and the late signup count for one of the halves');
		});

		it('merging a referrer with the person they referred turns that credit into a refused self-referral', async () => {
			const launch = 'merge-self';
			const me = await signup(t, launch, { email: 'me@example.com' });
			const alt = await signup(t, launch, { email: 'me.other@example.com', ref: me.referral.code });
			assert.equal((await t.ledger.referrals.standing({ launch, contactId: me.contactId })).referrals.counted, 1);
			await t.ledger.contacts.merge({ launch, sourceContactId: alt.contactId, targetContactId: me.contactId });
			const standing = await t.ledger.referrals.standing({ launch, contactId: me.contactId });
			assert.deepEqual(standing.referrals, { counted: 0, pending: 0 });
			assert.equal(standing.referredBy?.status, 'refused');
		});

		it('forget takes the person out of the line and their link stops counting', async () => {
			const launch = 'forget';
			const first = await signup(t, launch, { email: 'first@example.com' });
			const second = await signup(t, launch, { email: 'second@example.com' });
			await t.ledger.contacts.forget({ launch, contactId: first.contactId });
			assert.equal(await t.ledger.referrals.place(launch, first.contactId), null);
			assert.deepEqual(await t.ledger.referrals.place(launch, second.contactId), { place: 1, of: 1 });
			const later = await signup(t, launch, { email: 'later@example.com', ref: first.referral.code });
			assert.equal(later.referral.referredBy?.outcome, 'unknown_code');
		});

		it('places match a brute-force sort on random histories (joins, credits, leaves, spots changes)', async () => {
			let round = 0;
			await fc.assert(
				fc.asyncProperty(
					fc.array(
						fc.oneof(
							// Weighted so lines grow to a few dozen people with ties to settle, not empty ones.
							{ arbitrary: fc.record({ op: fc.constant('join' as const) }), weight: 5 },
							{ arbitrary: fc.record({ op: fc.constant('credit' as const), who: fc.nat(), delta: fc.integer({ min: -1, max: 3 }) }), weight: 4 },
							{ arbitrary: fc.record({ op: fc.constant('leave' as const), who: fc.nat() }), weight: 1 },
							{ arbitrary: fc.record({ op: fc.constant('spots' as const), spots: fc.integer({ min: 0, max: 7 }) }), weight: 1 },
						),
						{ minLength: 5, maxLength: 60 },
					),
					async (ops) => {
						const launch = `prop-${round++}`;
						const model: Array<{ id: string; number: number; credits: number }> = [];
						let spots = 1;
						let next = 1;
						for (const op of ops) {
							await t.ledger.store.transaction(async (tx) => {
								if (op.op === 'join') {
									const id = `c${next}`;
									await joinLine(tx, { launch, contactId: id, now: 1 });
									model.push({ id, number: next++, credits: 0 });
								} else if (op.op === 'credit' && model.length > 0) {
									const m = model[op.who % model.length]!;
									m.credits = Math.max(0, m.credits + op.delta);
									await updateLineEntry(tx, { launch, contactId: m.id, credits: m.credits, now: 1 });
								} else if (op.op === 'leave' && model.length > 0) {
									const [m] = model.splice(op.who % model.length, 1);
									await leaveLine(tx, { launch, contactId: m!.id, now: 1 });
								} else if (op.op === 'spots') {
									spots = op.spots;
									await setSpotsPerReferral(tx, { launch, spots, now: 1 });
								}
							});
						}
						for (const m of model) {
							const found = await t.ledger.store.transaction((tx) => placeInLine(tx, launch, m.id));
							assert.equal(found?.place, placeByScan(model, spots, m.id), `place of ${m.id} after ${JSON.stringify(ops)}`);
							assert.equal(found?.of, model.length);
						}
					},
				),
				{ seed: 1919, numRuns: driver === 'postgres' ? 25 : 60 },
			);
		});
	});
}
