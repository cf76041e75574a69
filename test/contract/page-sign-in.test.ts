import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { LedgerInputError, SIGN_IN_FREE_FAILURES, signInWaitMs, type SignInDecision } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/*
 * Issue 20 row 10: the kill-switch form took 100 wrong passwords in ~5 s and the right one at once.
 * The pages' sign-in attempts are now counted per (launch, page, address) in the ledger, slowed
 * after a few failures (the right password included), and counted for the monitor.
 */

const W = 5 * 60_000;
const statusOf = (d: SignInDecision) => (d.allowed ? 200 : d.status);

for (const driver of DRIVERS) {
	describe(`[${driver}] page sign-in: counted and slowed per address`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const attempt = (launch: string, address: string, ok: boolean, now: number, page = '/webhook/waitlist-kill-switch') =>
			t.ledger.pages.signIn({ launch, page, address, ok, userName: ok ? 'launch-ops' : 'guess', now });

		it('5 wrong in a row → 429 for 1 s (the right password too), then the right one works and clears the count', async () => {
			const launch = 'slow';
			const now = 1_000_000_000_000;
			for (let i = 1; i < SIGN_IN_FREE_FAILURES; i++) assert.deepEqual(await attempt(launch, '198.51.100.7', false, now + i), { allowed: false, status: 401, failures: i, retryAfterSeconds: null });
			assert.deepEqual(await attempt(launch, '198.51.100.7', false, now + 10), { allowed: false, status: 429, failures: 5, retryAfterSeconds: 1 });
			assert.equal(statusOf(await attempt(launch, '198.51.100.7', true, now + 500)), 429, 'the right password waits too');
			assert.equal((await attempt(launch, '198.51.100.8', true, now + 500)).allowed, true, 'another address is not slowed');
			assert.deepEqual(await attempt(launch, '198.51.100.7', true, now + 1_100), { allowed: true, failures: 0 });
			assert.equal(statusOf(await attempt(launch, '198.51.100.7', false, now + 1_200)), 401, 'the count started over');
		});

		it('each further failure doubles the wait, up to 15 minutes', async () => {
			assert.deepEqual([4, 5, 6, 7, 10, 15, 40].map(signInWaitMs), [0, 1000, 2000, 4000, 32_000, 900_000, 900_000]);
			const launch = 'doubling';
			let now = 2_000_000_000_000;
			const waits: Array<number | null> = [];
			for (let i = 0; i < 8; i++) {
				const d = await attempt(launch, '203.0.113.9', false, now);
				waits.push(d.allowed ? null : d.retryAfterSeconds);
				now += (d.allowed ? 0 : (d.retryAfterSeconds ?? 0)) * 1000 + 1;
			}
			assert.deepEqual(waits, [null, null, null, null, 1, 2, 4, 8]);
		});

		it('20 concurrent wrong passwords from one address: 5 are checked, 15 refused with 429; a snapshot counts them and the alert fires', async () => {
			const launch = 'burst';
			const now = Math.floor(Date.now() / W) * W - 2 * W + 1000;
			const results = await Promise.all(Array.from({ length: 20 }, () => attempt(launch, '192.0.2.1', false, now)));
			const statuses = results.map(statusOf);
			assert.equal(statuses.filter((s) => s === 401).length, SIGN_IN_FREE_FAILURES - 1);
			assert.equal(statuses.filter((s) => s === 429).length, 20 - (SIGN_IN_FREE_FAILURES - 1));
			const [row] = await t.ledger.store.query<{ failures: number | string; refused_while_blocked: number | string }>(
				'SELECT failures, refused_while_blocked FROM page_sign_in_throttle WHERE launch = $1',
				[launch],
			);
			console.log(`[${driver}] 20 wrong passwords at once: ${row?.failures} checked, ${row?.refused_while_blocked} refused unchecked (before: 20 checked, none refused)`);
			assert.deepEqual([Number(row?.failures), Number(row?.refused_while_blocked)], [5, 15]);
			const signals = await t.ledger.monitor.signals({ launch, from: now - 1000, to: now + W, now: now + 500 });
			assert.deepEqual(signals.signIn, { failures: 5, byPage: { '/webhook/waitlist-kill-switch': 5 }, blockedNow: 1 });
			await t.ledger.settings.update(launch, { alerts: { signInFailures: { maxCount: 3 } } });
			const evaluation = await t.ledger.monitor.evaluate({ launch, now: Math.floor(now / W) * W + W + 5_000 });
			assert.ok(
				evaluation.fired.some((a) => a.rule === 'sign_in_failures'),
				`fired: ${evaluation.fired.map((a) => a.rule).join(', ')}`,
			);
			const view = await t.ledger.pages.killSwitchView(launch, now + 500);
			assert.deepEqual(view.signIn, { failuresLastHour: 5, blockedNow: 1 });
		});

		it('the right password from an address with nothing against it writes nothing', async () => {
			const launch = 'quiet';
			assert.deepEqual(await attempt(launch, '192.0.2.50', true, Date.now()), { allowed: true, failures: 0 });
			assert.equal((await t.ledger.store.query('SELECT 1 FROM page_sign_in_throttle WHERE launch = $1', [launch])).length, 0);
		});

		it('a missing launch or page is refused naming it', async () => {
			await assert.rejects(t.ledger.pages.signIn({ launch: '', page: '/x', address: 'a', ok: false }), (e: unknown) => e instanceof LedgerInputError && e.field === 'launch');
			await assert.rejects(t.ledger.pages.signIn({ launch: 'x', page: '', address: 'a', ok: false }), (e: unknown) => e instanceof LedgerInputError && e.field === 'page');
		});
	});
}
