import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, type ClaimedOutboxEntry, type SignupBody, type SubmitResult } from '../../ledger';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, freshLedger, type TestLedger } from '../support/stores';

/**
 * The ESP's referral custom fields (issue 19): a wave of credits leaves one pending field update per
 * changed contact (the referrer and the people it overtook), never one per credit; values that came
 * back to what the ESP has send nothing; a contact whose sync is in flight waits for the next run;
 * and drains in several processes take each mark once.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
type Accepted = Extract<SubmitResult, { accepted: true }>;

async function signup(ledger: Ledger, launch: string, fields: Record<string, unknown>): Promise<Accepted['result']> {
	// Velocity signals off: every signup here comes from one test address (abuse signals have their own tests).
	const result = await ledger.capture.submit({ launch, options: { abuse: { networkLimit: 0, patternLimit: 0 } }, request: { body: json(fields), remoteAddress: '203.0.113.9', userAgent: 'contract-test' } });
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return (result as Accepted).result;
}

/** A signup that starts a run (the signup template, not spike mode): its new syncs come claimed for that run. */
async function signupRun(ledger: Ledger, launch: string, fields: Record<string, unknown>): Promise<Accepted['result']> {
	const result = await ledger.capture.submit({
		launch,
		options: { abuse: { networkLimit: 0, patternLimit: 0 } },
		claimFor: { workerId: 'signup-run', leaseMs: 60_000 },
		request: { body: json(fields), remoteAddress: '203.0.113.9', userAgent: 'contract-test' },
	});
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return (result as Accepted).result;
}

/** One ESP drain run: claim every due ESP sync, then ack them all (the vendor took them). */
async function drainOnce(ledger: Ledger, launch: string): Promise<ClaimedOutboxEntry[]> {
	const entries = await ledger.outbox.claim({ launch, kinds: 'esp_sync', limit: 1000, leaseMs: 60_000, workerId: 'contract-drain' });
	if (entries.length) await ledger.outbox.ack(launch, entries.map((e) => ({ id: e.id, claimToken: e.claimToken, responseId: 'esp' })));
	return entries;
}

const fieldUpdates = (entries: ClaimedOutboxEntry[]) => entries.filter((e) => (e.payload as { reason?: string }).reason === 'referral_fields');

async function standingFields(ledger: Ledger, launch: string, contactId: string) {
	const s = await ledger.referrals.standing({ launch, contactId });
	return { code: s.code, placeInLine: s.place, of: s.of, referralCount: s.referrals.counted };
}

for (const driver of DRIVERS) {
	describe(`[${driver}] referral fields for the ESP`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('a wave of 30 credits for 3 referrers: one field update per changed contact, with the values of the claim; the next run sends nothing', async () => {
			const launch = 'wave';
			const people: Array<Accepted['result']> = [];
			for (let i = 0; i < 20; i++) people.push(await signup(t.ledger, launch, { email: `p${i}@example.com`, first_name: `P${i}` }));
			const first = await drainOnce(t.ledger, launch);
			assert.equal(first.length, 20, 'each signup sync carries its fields');
			assert.deepEqual(first.find((e) => e.contactId === people[4]!.contactId)?.referralFields, { code: people[4]!.referral.code, placeInLine: 5, of: 20, referralCount: 0 });

			const referrers = [people[9]!, people[14]!, people[19]!];
			const friends: Array<Accepted['result']> = [];
			for (let i = 0; i < 30; i++) friends.push(await signup(t.ledger, launch, { email: `friend${i}@example.com`, ref: referrers[i % 3]!.referral.code }));

			const run = await t.ledger.outbox.claim({ launch, kinds: 'esp_sync', limit: 1000, leaseMs: 60_000, workerId: 'contract-drain' });
			const perContact = new Map<string, number>();
			for (const e of run) perContact.set(e.contactId!, (perContact.get(e.contactId!) ?? 0) + 1);
			assert.ok([...perContact.values()].every((n) => n === 1), 'at most one ESP sync per contact in a drain run');
			const updates = fieldUpdates(run);
			for (const r of referrers) assert.ok(updates.some((e) => e.contactId === r.contactId), 'each referrer once, after 10 credits');
			// Every contact of the first 20 whose place or count changed has one update; the others none.
			for (const p of people) {
				const now = await standingFields(t.ledger, launch, p.contactId);
				const sent = first.find((e) => e.contactId === p.contactId)!.referralFields!;
				const changed = now.placeInLine !== sent.placeInLine || now.referralCount !== sent.referralCount;
				const update = updates.find((e) => e.contactId === p.contactId);
				assert.equal(Boolean(update), changed, `${p.contactId}: update iff changed`);
				if (update) assert.deepEqual(update.referralFields, now);
			}
			assert.ok(updates.length < 30, `fewer updates (${updates.length}) than credits (30)`);
			for (const f of friends) assert.deepEqual(run.find((e) => e.contactId === f.contactId)?.referralFields, await standingFields(t.ledger, launch, f.contactId));
			await t.ledger.outbox.ack(launch, run.map((e) => ({ id: e.id, claimToken: e.claimToken })));
			assert.equal((await drainOnce(t.ledger, launch)).length, 0, 'nothing changed since: no vendor call');
		});

		it('a credit withheld and released before the drain sends nothing; a change during a send waits for the next run', async () => {
			const launch = 'flip';
			const a = await signup(t.ledger, launch, { email: 'a@example.com' });
			const b = await signup(t.ledger, launch, { email: 'b@example.com' });
			const friend = await signup(t.ledger, launch, { email: 'friend@example.com', ref: b.referral.code });
			await drainOnce(t.ledger, launch);
			await t.ledger.referrals.withhold({ launch, referredId: friend.contactId, reason: 'test' });
			await t.ledger.referrals.release({ launch, referredId: friend.contactId });
			assert.equal((await drainOnce(t.ledger, launch)).length, 0, 'back to the values the ESP has');

			// b's sync is in flight (claimed, not acked) when a second friend credits b.
			const repeat = await signup(t.ledger, launch, { email: 'B@example.com', first_name: 'Bea' });
			assert.equal(repeat.contactId, b.contactId);
			const inFlight = await t.ledger.outbox.claim({ launch, kinds: 'esp_sync', limit: 10, leaseMs: 60_000, workerId: 'slow-drain' });
			assert.deepEqual(inFlight.map((e) => e.contactId), [b.contactId]);
			await signup(t.ledger, launch, { email: 'friend2@example.com', ref: b.referral.code });
			const during = await drainOnce(t.ledger, launch);
			assert.equal(fieldUpdates(during).filter((e) => e.contactId === b.contactId).length, 0, 'never two updates of one person on the way at once');
			await t.ledger.outbox.ack(launch, inFlight.map((e) => ({ id: e.id, claimToken: e.claimToken })));
			const next = fieldUpdates(await drainOnce(t.ledger, launch));
			assert.deepEqual(next.map((e) => e.contactId), [b.contactId]);
			assert.deepEqual(next[0]!.referralFields, await standingFields(t.ledger, launch, b.contactId));
			assert.equal(next[0]!.referralFields!.referralCount, 2);
			assert.notEqual(a.contactId, b.contactId);
		});

		it('the monitor counts referral signups per window by their credit now, and the credits withheld now', async () => {
			const launch = 'monitor';
			const start = Date.now();
			const ada = await signup(t.ledger, launch, { email: 'ada@example.com' });
			const self = await signup(t.ledger, launch, { email: 'ada+2@example.com', ref: ada.referral.code });
			const friends: Array<Accepted['result']> = [];
			for (let i = 0; i < 3; i++) friends.push(await signup(t.ledger, launch, { email: `mf${i}@example.com`, ref: ada.referral.code }));
			await signup(t.ledger, launch, { email: 'plain@example.com' });
			await t.ledger.referrals.withhold({ launch, referredId: friends[0]!.contactId, reason: 'flagged: test' });
			const now = Date.now() + 1;
			const signals = await t.ledger.monitor.signals({ launch, from: start - 1, to: now, now });
			assert.deepEqual(signals.referrals, { referredSignups: 4, byStatus: { credited: 2, withheld: 1, refused: 1 }, withheldNow: 1 });
			const before = await t.ledger.monitor.signals({ launch, from: start - 120_000, to: start - 1, now });
			assert.deepEqual([before.referrals?.referredSignups, before.referrals?.withheldNow], [0, 1], 'outside the window: none; withheld is as of now');
			assert.ok(self.referral.referredBy);
		});

		it('a signup run that sends its own sync (the signup template) leaves the fields to the next drain, which sends them once', async () => {
			const launch = 'signup-run';
			const accepted = await signupRun(t.ledger, launch, { email: 'run@example.com' });
			const own = accepted.claimedSync.filter((c) => c.kind === 'esp_sync');
			assert.equal(own.length, 1, 'the run took its ESP sync');
			await t.ledger.outbox.ack(launch, own.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			const drained = fieldUpdates(await drainOnce(t.ledger, launch));
			assert.deepEqual(drained.map((e) => [e.contactId, e.referralFields]), [[accepted.contactId, await standingFields(t.ledger, launch, accepted.contactId)]]);
			assert.equal((await drainOnce(t.ledger, launch)).length, 0, 'once');
		});

		it('a signup run whose ESP call carried the fields acks with them: the drain sends nothing more, until the person moves', async () => {
			const launch = 'signup-run-fields';
			const runSignup = (fields: Record<string, unknown>) => signupRun(t.ledger, launch, fields);
			const ada = await runSignup({ email: 'ada@example.com' });
			const esp = ada.claimedSync.find((c) => c.kind === 'esp_sync')!;
			assert.deepEqual(esp.referralFields, { code: ada.referral.code, placeInLine: 1, of: 1, referralCount: 0 }, 'the run is handed the fields to send');
			assert.equal(ada.claimedSync.find((c) => c.kind === 'crm_sync')?.referralFields, undefined, 'only the ESP sync carries them');
			const [acked] = await t.ledger.outbox.ack(launch, [{ id: esp.id, claimToken: esp.claimToken, referralFieldsSent: esp.referralFields }]);
			assert.equal(acked!.outcome, 'done');
			assert.deepEqual(fieldUpdates(await drainOnce(t.ledger, launch)), [], 'one ESP write for the signup: the drain has nothing to add');

			// Bob signs up through Ada's link: Ada's count changes, so the drain sends her once; Bob's own run sent his.
			const bob = await runSignup({ email: 'bob@example.com', ref: ada.referral.code });
			const bobEsp = bob.claimedSync.find((c) => c.kind === 'esp_sync')!;
			// The fields may come as the JSON text a node parameter holds.
			await t.ledger.outbox.ack(launch, [{ id: bobEsp.id, claimToken: bobEsp.claimToken, referralFieldsSent: JSON.stringify(bobEsp.referralFields) }]);
			const updates = fieldUpdates(await drainOnce(t.ledger, launch));
			assert.deepEqual(updates.map((e) => [e.contactId, e.referralFields]), [[ada.contactId, await standingFields(t.ledger, launch, ada.contactId)]]);
			assert.equal((await drainOnce(t.ledger, launch)).length, 0, 'once');
		});

		it('fields that were stale when acked, or an ack that lost its lease, leave the drain to send the values of now', async () => {
			const launch = 'signup-run-stale';
			const cy = await signupRun(t.ledger, launch, { email: 'cy@example.com' });
			const esp = cy.claimedSync.find((c) => c.kind === 'esp_sync')!;
			// Before Cy's run acks, a friend signs up with Cy's code (the launch-day capture: no run).
			await signup(t.ledger, launch, { email: 'dee@example.com', ref: cy.referral.code });
			await t.ledger.outbox.ack(launch, [{ id: esp.id, claimToken: esp.claimToken, referralFieldsSent: esp.referralFields }]);
			const updates = fieldUpdates(await drainOnce(t.ledger, launch));
			assert.deepEqual(
				updates.filter((e) => e.contactId === cy.contactId).map((e) => e.referralFields?.referralCount),
				[1],
				'the count the ESP was sent (0) is not the count of now (1): one update',
			);

			const eve = await signupRun(t.ledger, launch, { email: 'eve@example.com' });
			const eveEsp = eve.claimedSync.find((c) => c.kind === 'esp_sync')!;
			const [lost] = await t.ledger.outbox.ack(launch, [{ id: eveEsp.id, claimToken: 'not-the-claim', referralFieldsSent: eveEsp.referralFields }]);
			assert.equal(lost!.outcome, 'lease_lost');
			// Her run's lease ends; the drain takes her sync over and sends it with her fields.
			const later = await t.ledger.outbox.claim({ launch, kinds: 'esp_sync', limit: 1000, leaseMs: 60_000, workerId: 'contract-drain', now: Date.now() + 61_000 });
			assert.deepEqual(later.filter((e) => e.contactId === eve.contactId).map((e) => e.referralFields), [await standingFields(t.ledger, launch, eve.contactId)]);
		});

		it('bad referral fields in an ack are refused, naming the field, and complete nothing', async () => {
			const launch = 'signup-run-bad';
			const fay = await signupRun(t.ledger, launch, { email: 'fay@example.com' });
			const esp = fay.claimedSync.find((c) => c.kind === 'esp_sync')!;
			await assert.rejects(t.ledger.outbox.ack(launch, [{ id: esp.id, claimToken: esp.claimToken, referralFieldsSent: { code: 'X', placeInLine: 0, referralCount: 0 } }]), /entries\[0\]\.referralFieldsSent\.placeInLine: must be a whole number from 1/);
			await assert.rejects(t.ledger.outbox.ack(launch, [{ id: esp.id, claimToken: esp.claimToken, referralFieldsSent: '{place' }]), /entries\[0\]\.referralFieldsSent: must be the referral fields the step sent/);
			const [ok] = await t.ledger.outbox.ack(launch, [{ id: esp.id, claimToken: esp.claimToken }]);
			assert.equal(ok!.outcome, 'done', 'the refused acks left the entry claimed for a good one');
		});

		it('forgetting someone moves everyone behind up: each of them gets one update, the forgotten person none', async () => {
			const launch = 'forget';
			const people: Array<Accepted['result']> = [];
			for (let i = 0; i < 6; i++) people.push(await signup(t.ledger, launch, { email: `f${i}@example.com` }));
			await drainOnce(t.ledger, launch);
			await t.ledger.contacts.forget({ launch, contactId: people[2]!.contactId, source: 'contract-test' });
			const updates = fieldUpdates(await drainOnce(t.ledger, launch));
			assert.deepEqual(updates.map((e) => e.contactId).sort(), people.slice(3).map((p) => p.contactId).sort());
			assert.deepEqual(updates.map((e) => e.referralFields!.placeInLine).sort(), [3, 4, 5]);
		});
	});

	describe(`[${driver}] referral field marks under drains in two processes`, () => {
		it('every mark is taken once: one update per changed contact across all drains, no entry claimed twice', async () => {
			const db = await freshDatabase(driver);
			const launch = 'race';
			const ledger = new Ledger(await openStore(db.config));
			let changed: string[];
			try {
				const people: Array<Accepted['result']> = [];
				for (let i = 0; i < 120; i++) people.push(await signup(ledger, launch, { email: `r${i}@example.com` }));
				// Everything the signups queued is sent first; then a wave of 60 credits to 20 referrers.
				while ((await ledger.outbox.claim({ launch, limit: 1000, leaseMs: 60_000, workerId: 'setup' }).then(async (e) => (e.length ? (await ledger.outbox.ack(launch, e.map((x) => ({ id: x.id, claimToken: x.claimToken }))), e.length) : 0))) > 0);
				const before = new Map<string, number>();
				for (const p of people) before.set(p.contactId, (await ledger.referrals.place(launch, p.contactId))!.place);
				for (let i = 0; i < 60; i++) await signup(ledger, launch, { email: `w${i}@example.com`, ref: people[20 + (i % 20) * 5]!.referral.code });
				changed = [];
				for (const p of people) {
					const s = await ledger.referrals.standing({ launch, contactId: p.contactId });
					if (s.place !== before.get(p.contactId) || s.referrals.counted > 0) changed.push(p.contactId);
				}
			} finally {
				await ledger.close();
			}
			const workers = [0, 1].map((n) => startBarrierWorker<{ claimed: string[] }>('test/support/outbox-claim-worker.ts', { config: db.config, launch, loops: 3, batch: 7, worker: `p${n}` }));
			await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.result))]);
			for (const w of workers) w.go();
			const results = await Promise.all(workers.map((w) => w.result));
			const claimed = results.flatMap((r) => r.claimed);
			assert.equal(new Set(claimed).size, claimed.length, 'no entry claimed twice');

			const check = new Ledger(await openStore(db.config));
			try {
				const entries = (await check.outbox.list({ launch, kinds: ['esp_sync'], limit: 1000 })).filter((e) => (e.payload as { reason?: string }).reason === 'referral_fields');
				const perContact = new Map<string, number>();
				for (const e of entries) perContact.set(e.contactId!, (perContact.get(e.contactId!) ?? 0) + 1);
				assert.deepEqual([...perContact.keys()].sort(), changed.sort(), 'exactly the changed contacts');
				assert.ok([...perContact.values()].every((n) => n === 1), 'one update each');
				assert.ok(entries.every((e) => e.status === 'done'));
			} finally {
				await check.close();
				await db.drop();
			}
		});
	});
}
