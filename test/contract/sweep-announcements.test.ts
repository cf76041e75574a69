import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, type SweepFinding } from '../../ledger';
import { announcementKeyOf } from '../../ledger/internal';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The scheduled reconciliation finds an open problem (a paid order with no contact, a duplicate in a
 * vendor list) on every hourly sweep until someone acts. Its Review output posts to Slack, so the
 * ledger decides which findings to announce: each problem once, again after the quiet period, and
 * once between two sweeps running at once in different processes.
 */

const HOUR = 3_600_000;
const orderless = (orderId: string, seq = 1): SweepFinding => ({ seq, kind: 'purchase_without_contact', system: 'checkout', contactId: null, data: { orderId, email: `${orderId}@example.com` } });
const duplicate = (email: string, seq = 1): SweepFinding => ({ seq, kind: 'duplicate', system: 'esp', contactId: null, data: { email, extraRecords: 1 } });
const keyless = (seq = 1): SweepFinding => ({ seq, kind: 'invalid_record', system: 'crm', contactId: null, data: {} });
const names = (findings: SweepFinding[]) => findings.map((f) => `${f.kind}:${String(f.data.orderId ?? f.data.email ?? '-')}`).sort();

describe('announcement keys', () => {
	it('name the problem, not the run: same order or address (any case) → same key; other kind or list → other key; nothing stable → none', () => {
		assert.equal(announcementKeyOf(orderless('pi_1', 1)), announcementKeyOf(orderless('pi_1', 99)));
		assert.equal(announcementKeyOf(duplicate('Ann@Example.com')), announcementKeyOf(duplicate('ann@example.com')));
		assert.notEqual(announcementKeyOf(duplicate('ann@example.com')), announcementKeyOf({ ...duplicate('ann@example.com'), system: 'crm' }));
		assert.notEqual(announcementKeyOf(orderless('pi_1')), announcementKeyOf({ ...orderless('pi_1'), kind: 'duplicate' }));
		assert.equal(announcementKeyOf(keyless()), null);
	});
});

for (const driver of DRIVERS) {
	describe(`[${driver}] sweep announcements: one alert per open problem`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		before(async () => {
			db = await freshDatabase(driver);
			ledger = new Ledger(await openStore(db.config));
		});
		after(async () => {
			await ledger.close();
			await db.drop();
		});

		it('announces a problem the first time, stays quiet on the hourly sweeps after, reminds once the quiet period has passed', async () => {
			const launch = 'quiet';
			const t0 = Date.UTC(2026, 11, 5, 10);
			const found = [orderless('pi_a'), duplicate('dup@example.com'), keyless()];
			assert.deepEqual(names(await ledger.reconcile.announce(launch, found, { now: t0 })), ['duplicate:dup@example.com', 'invalid_record:-', 'purchase_without_contact:pi_a']);
			// An hour later the same problems plus a new one: only the new one and the keyless finding.
			assert.deepEqual(names(await ledger.reconcile.announce(launch, [...found, orderless('pi_b')], { now: t0 + HOUR })), ['invalid_record:-', 'purchase_without_contact:pi_b']);
			assert.deepEqual(names(await ledger.reconcile.announce(launch, found, { now: t0 + 23 * HOUR })), ['invalid_record:-']);
			// 24 hours after it was announced: a reminder, then quiet again for another day.
			assert.deepEqual(names(await ledger.reconcile.announce(launch, found, { now: t0 + 24 * HOUR })), ['duplicate:dup@example.com', 'invalid_record:-', 'purchase_without_contact:pi_a']);
			assert.deepEqual(names(await ledger.reconcile.announce(launch, found, { now: t0 + 25 * HOUR })), ['invalid_record:-']);
			// Another launch has its own announcements; 0 means every sweep.
			assert.equal((await ledger.reconcile.announce('other', found, { now: t0 + 25 * HOUR })).length, 3);
			assert.equal((await ledger.reconcile.announce(launch, found, { now: t0 + 25 * HOUR, repeatAfterMs: 0 })).length, 3);
		});

		it('one problem found twice in one run is announced with both its findings, once', async () => {
			const both = await ledger.reconcile.announce('twice', [orderless('pi_t', 1), orderless('pi_t', 2)]);
			assert.deepEqual(both.map((f) => f.seq), [1, 2]);
			assert.deepEqual(await ledger.reconcile.announce('twice', [orderless('pi_t', 3)]), []);
		});

		it('two sweeps in two processes at once announce each of 300 problems exactly once between them', async () => {
			const launch = 'race';
			const findings = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? duplicate(`dup${i}@example.com`, i) : orderless(`pi_race_${i}`, i)));
			const workers = [0, 1].map(() => startBarrierWorker<string[]>('test/support/announce-worker.ts', { config: db.config, launch, findings }));
			await Promise.all(workers.map((w) => w.ready));
			for (const w of workers) w.go();
			const [a, b] = await Promise.all(workers.map((w) => w.result));
			assert.equal(a!.length + b!.length, 300, `announced ${a!.length} + ${b!.length}`);
			assert.equal(new Set([...a!, ...b!]).size, 300);
		});
	});
}
