import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, LedgerInputError, openStore, type CaptchaOutcome, type CaptureOptions, type SubmitResult } from '../../ledger';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';
import { runJsonWorker } from '../support/json-worker';

/**
 * Abuse signals at capture: a disposable domain, many signups from one network or with one address
 * pattern, a failed CAPTCHA flag the contact (never refuse it, unless the creator chose to refuse a
 * failed CAPTCHA); flagged syncs wait for a person when asked to; Clear / Confirm as spam settle once.
 */

type Accepted = Extract<SubmitResult, { accepted: true }>;

function accepted(result: SubmitResult): Accepted {
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return result as Accepted;
}

const runWorker = (args: object) => runJsonWorker<Array<{ contactId: string; signals: string[] }>>('test/support/abuse-signup-worker.ts', args);

for (const driver of DRIVERS) {
	describe(`[${driver}] abuse signals at capture`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const submit = (launch: string, fields: Record<string, unknown>, options: CaptureOptions = {}, extra: { remoteAddress?: string; captcha?: CaptchaOutcome; claim?: boolean } = {}) =>
			t.ledger.capture.submit({
				launch,
				options,
				request: { body: { ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) }, remoteAddress: extra.remoteAddress ?? '203.0.113.50', userAgent: 'contract-test' },
				captcha: extra.captcha,
				claimFor: extra.claim ? { workerId: 'contract', leaseMs: 60_000 } : undefined,
			});

		it('flags (and stores, and answers as accepted) disposable domains: listed, a subdomain, any case, IDN form, the creator\'s own, not an allowed one', async () => {
			const launch = 'abuse-domains';
			const options: CaptureOptions = { abuse: { extraDisposableDomains: ['Spam-Catch.example'], allowedDomains: ['yopmail.com'] } };
			const cases: Array<[string, string | null]> = [
				['ada@mailinator.com', 'mailinator.com'],
				['bob@eu.mx.MAILINATOR.com', 'mailinator.com'],
				['cy@guerrillamail.com.', 'guerrillamail.com'],
				['dee@spam-catch.example', 'spam-catch.example'],
				['eve@yopmail.com', null],
				['fay@example.com', null],
				['gus@bücher.example', null],
			];
			for (const [email, listedAs] of cases) {
				const result = accepted(await submit(launch, { email }, options));
				assert.equal(result.result.created, true, email);
				const flags = await t.ledger.abuse.flagsFor(result.result.contactId);
				if (listedAs) {
					assert.deepEqual(result.result.abuse.signals, ['disposable_domain'], email);
					assert.deepEqual(flags.map((f) => [f.signal, f.status, f.detail.listedAs]), [['disposable_domain', 'open', listedAs]], email);
					const history = await t.ledger.contacts.history(result.result.contactId);
					assert.ok(history.some((e) => e.type === 'abuse.flagged' && (e.data.signals as string[]).includes('disposable_domain')), `history of ${email}`);
				} else {
					assert.deepEqual([result.result.abuse.signals, flags], [[], []], email);
				}
			}
			const flagged = await t.ledger.abuse.flaggedSignups(launch);
			assert.deepEqual(flagged.items.map((i) => i.email).sort(), ['ada@mailinator.com', 'bob@eu.mx.MAILINATOR.com', 'cy@guerrillamail.com', 'dee@spam-catch.example']);
		});

		it('flags signups from one network past the limit (IPv4 /24, IPv6 /64), keeps only a hash of the network, and does not count private addresses', async () => {
			const launch = 'abuse-network';
			const options: CaptureOptions = { abuse: { networkLimit: 3, patternLimit: 0 } };
			const signals: string[][] = [];
			for (let i = 1; i <= 5; i++) signals.push(accepted(await submit(launch, { email: `v4-${i}@example.net` }, options, { remoteAddress: `198.51.100.${i * 7}` })).result.abuse.signals);
			assert.deepEqual(signals, [[], [], [], ['network_velocity'], ['network_velocity']]);
			assert.deepEqual(accepted(await submit(launch, { email: 'other-net@example.net' }, options, { remoteAddress: '198.51.101.1' })).result.abuse.signals, [], 'another /24 counts apart');
			const v6: string[][] = [];
			for (let i = 1; i <= 4; i++) v6.push(accepted(await submit(launch, { email: `v6-${i}@example.net` }, options, { remoteAddress: `2001:db8:1:2:${i}::${i}` })).result.abuse.signals);
			assert.deepEqual(v6, [[], [], [], ['network_velocity']]);
			for (let i = 1; i <= 5; i++) assert.deepEqual(accepted(await submit(launch, { email: `lan-${i}@example.net` }, options, { remoteAddress: '192.168.1.10' })).result.abuse.signals, []);
			const repeat = accepted(await submit(launch, { email: 'v4-1@example.net' }, options, { remoteAddress: '198.51.100.7' }));
			assert.deepEqual([repeat.result.created, repeat.result.abuse.signals], [false, []], 'a repeat of someone on the list does not count');
			const rows = await t.ledger.store.query<Record<string, unknown>>('SELECT * FROM abuse_counters WHERE launch = $1', [launch]);
			assert.ok(rows.length >= 3);
			const stored = JSON.stringify(rows) + JSON.stringify(await t.ledger.store.query('SELECT detail FROM abuse_flags WHERE launch = $1', [launch]));
			assert.doesNotMatch(stored, /198\.51|2001:db8|192\.168/, 'no address or network stored in clear');
		});

		it('flags many look-alike addresses on one domain (name+N@, nameN@, n.a.m.e_N@) past the limit; the flag names the domain only', async () => {
			const launch = 'abuse-pattern';
			const options: CaptureOptions = { abuse: { patternLimit: 2, networkLimit: 0 } };
			const emails = ['grace+1@example.com', 'grace2@example.com', 'g.race_33@example.com', 'grace@example.org', 'hopper@example.com'];
			const signals = [];
			for (const email of emails) signals.push(accepted(await submit(launch, { email }, options)).result.abuse.signals);
			assert.deepEqual(signals, [[], [], ['pattern_velocity'], [], []]);
			const third = (await t.ledger.abuse.flaggedSignups(launch)).items[0]!;
			assert.equal(third.email, 'g.race_33@example.com');
			assert.deepEqual(third.flags[0]!.detail, { signupsInWindow: 3, limit: 2, windowMinutes: 10, domain: 'example.com' });
		});

		it('a mistake in the abuse options never loses a signup: checked with the defaults, the mistake named', async () => {
			const result = accepted(await submit('abuse-bad-options', { email: 'kept@mailinator.com' }, { abuse: { extraDisposableDomains: ['not a domain'] } }));
			assert.match(result.abuseSettingsError ?? '', /^abuse\.extraDisposableDomains\[0\] "not a domain" is not a domain name/);
			assert.deepEqual(result.result.abuse.signals, ['disposable_domain'], 'the shipped list still applies');
		});

		it('a failed CAPTCHA flags, or refuses with 400 naming captchaToken when chosen; a provider outage never refuses', async () => {
			const launch = 'abuse-captcha';
			const failed: CaptchaOutcome = { provider: 'turnstile', outcome: 'failed', detail: 'invalid-input-response' };
			const flaggedOnly = accepted(await submit(launch, { email: 'cap1@example.com' }, {}, { captcha: failed }));
			assert.deepEqual(flaggedOnly.result.abuse.signals, ['captcha_failed']);
			const refusal = await submit(launch, { email: 'cap2@example.com' }, { abuse: { captchaFailure: 'refuse' } }, { captcha: failed });
			assert.equal(refusal.accepted, false);
			if (refusal.accepted) return;
			assert.deepEqual([refusal.status, refusal.reason, refusal.errors[0]!.field], [400, 'captcha_failed', 'captchaToken']);
			assert.match(refusal.errors[0]!.reason, /Cloudflare Turnstile.*invalid-input-response/);
			assert.equal((await t.ledger.capture.rejections(launch))[0]?.reason, 'captcha_failed', 'the refusal is recorded');
			const missing = await submit(launch, { email: 'cap3@example.com' }, { abuse: { captchaFailure: 'refuse' } }, { captcha: { provider: 'hcaptcha', outcome: 'missing' } });
			assert.deepEqual(missing.accepted ? null : [missing.status, missing.errors[0]!.field], [400, 'captchaToken']);
			const outage = accepted(await submit(launch, { email: 'cap4@example.com' }, { abuse: { captchaFailure: 'refuse' } }, { captcha: { provider: 'hcaptcha', outcome: 'unavailable', detail: 'timeout' } }));
			assert.deepEqual(outage.result.abuse.signals, ['captcha_unchecked']);
			const passed = accepted(await submit(launch, { email: 'cap5@example.com' }, { abuse: { captchaFailure: 'refuse' } }, { captcha: { provider: 'hcaptcha', outcome: 'passed' } }));
			assert.deepEqual(passed.result.abuse.signals, []);
		});

		it('holds a flagged signup\'s syncs (never claimed) until Clear releases them or Confirm as spam discards them; a second decision is told it was settled', async () => {
			const launch = 'abuse-hold';
			const options: CaptureOptions = { abuse: { holdFlaggedSync: true } };
			const held = accepted(await submit(launch, { email: 'held@mailinator.com' }, options, { claim: true }));
			assert.deepEqual(held.result.pendingSync.map((p) => p.status), ['flagged', 'flagged']);
			assert.deepEqual([held.result.claimedSync, held.result.abuse.heldSync.length, held.result.abuse.flagged], [[], 2, true]);
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 10, workerId: 'drain', leaseMs: 60_000 })).length, 0, 'the drain does not take them');
			const clean = accepted(await submit(launch, { email: 'clean@example.com' }, options, { claim: true }));
			assert.equal(clean.result.claimedSync.length, 2, 'an unflagged signup is claimed as usual');
			const repeat = accepted(await submit(launch, { email: 'held@mailinator.com', first_name: 'Held' }, options));
			assert.ok(repeat.result.pendingSync.every((p) => p.status === 'flagged'), 'a repeat of a flagged contact waits too');

			const spam = accepted(await submit(launch, { email: 'spam@mailinator.com' }, options));
			const page = await t.ledger.review.flaggedSignups(launch);
			assert.deepEqual(page.items.map((i) => [i.email, i.heldSync]), [['spam@mailinator.com', 2], ['held@mailinator.com', 4]]);

			const cleared = await t.ledger.abuse.clear({ launch, contactId: held.result.contactId, by: 'ops@example.com', reason: 'a real customer' });
			assert.deepEqual([cleared.signals, cleared.entryIds.length], [['disposable_domain'], 4]);
			const released = await t.ledger.outbox.list({ launch, contactId: held.result.contactId });
			assert.ok(released.every((e) => e.status === 'pending'), JSON.stringify(released.map((e) => e.status)));
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 10, workerId: 'drain', leaseMs: 60_000 })).filter((e) => e.contactId === held.result.contactId).length, 4);
			const again = accepted(await submit(launch, { email: 'held@mailinator.com', first_name: 'Held again' }, options));
			assert.ok(again.result.pendingSync.every((p) => p.status !== 'flagged'), 'a cleared contact is not held again');

			await t.ledger.review.confirmSpam({ launch, contactId: spam.result.contactId, by: 'ops@example.com' });
			assert.deepEqual((await t.ledger.outbox.list({ launch, contactId: spam.result.contactId })).map((e) => e.status), ['discarded', 'discarded']);
			await assert.rejects(t.ledger.abuse.clear({ launch, contactId: spam.result.contactId, by: 'late@example.com' }), (e: unknown) => e instanceof LedgerInputError && e.field === 'contactId' && /no open abuse flag/.test(e.reason));
			assert.deepEqual((await t.ledger.abuse.flagsFor(spam.result.contactId)).map((f) => [f.status, f.reviewedBy]), [['spam', 'ops@example.com']]);
			assert.deepEqual((await t.ledger.abuse.flaggedSignups(launch)).items, [], 'nothing left to review');
			const history = (await t.ledger.contacts.history(spam.result.contactId)).map((e) => e.type);
			assert.ok(history.includes('abuse.flagged') && history.includes('outbox.flagged') && history.includes('abuse.confirmed_spam'), history.join(', '));
		});

		it('two people deciding one flagged contact at once settle it once', async () => {
			const launch = 'abuse-decide-race';
			const flagged = accepted(await submit(launch, { email: 'race@mailinator.com' }, { abuse: { holdFlaggedSync: true } }));
			const outcomes = await Promise.allSettled([
				t.ledger.abuse.clear({ launch, contactId: flagged.result.contactId, by: 'a@example.com' }),
				t.ledger.abuse.confirmSpam({ launch, contactId: flagged.result.contactId, by: 'b@example.com' }),
			]);
			assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes));
			const statuses = (await t.ledger.outbox.list({ launch, contactId: flagged.result.contactId })).map((e) => e.status);
			assert.ok(statuses.every((s) => s === 'pending') || statuses.every((s) => s === 'discarded'), statuses.join(','));
		});

		it('merge moves flags to the surviving contact; forget deletes them and discards held syncs', async () => {
			const launch = 'abuse-merge-forget';
			const options: CaptureOptions = { abuse: { holdFlaggedSync: true } };
			const a = accepted(await submit(launch, { email: 'one@mailinator.com' }, options));
			const b = accepted(await submit(launch, { email: 'two@example.com' }, options));
			await t.ledger.contacts.merge({ launch, sourceContactId: a.result.contactId, targetContactId: b.result.contactId });
			assert.deepEqual((await t.ledger.abuse.flagsFor(b.result.contactId)).map((f) => f.signal), ['disposable_domain']);
			await t.ledger.contacts.forget({ launch, contactId: b.result.contactId });
			assert.deepEqual(await t.ledger.abuse.flagsFor(b.result.contactId), []);
			const [row] = await t.ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE launch = $1 AND status = 'flagged'`, [launch]);
			assert.equal(Number(row?.n), 0);
		});
	});

	describe(`[${driver}] network velocity counted by the database across processes`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('20 new signups from one network in 4 processes at once, limit 8: exactly 12 flagged, each place in the window given once', async () => {
			const options: CaptureOptions = { abuse: { networkLimit: 8, patternLimit: 0 } };
			const results = (
				await Promise.all([0, 1, 2, 3].map((w) => runWorker({ config: db.config, launch: 'burst', prefix: `w${w}`, count: 5, remoteAddress: `203.0.113.${100 + w}`, options })))
			).flat();
			assert.equal(results.length, 20);
			assert.equal(results.filter((r) => r.signals.includes('network_velocity')).length, 12);
			const ledger = new Ledger(await openStore(db.config));
			try {
				const [counter] = await ledger.store.query<{ signups: number }>(`SELECT signups FROM abuse_counters WHERE launch = 'burst' AND signal = 'network_velocity'`);
				assert.equal(Number(counter?.signups), 20);
				const [flags] = await ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM abuse_flags WHERE launch = 'burst' AND signal = 'network_velocity'`);
				assert.equal(Number(flags?.n), 12);
			} finally {
				await ledger.close();
			}
		});
	});
}
