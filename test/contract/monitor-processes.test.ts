import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { inList, type SqlValue } from '../../ledger/internal';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * Two n8n workers run the same schedule: both evaluate the launch's alerts at the same moment. The
 * ledger settles it — one announcement of each change, whichever process gets it — here with two
 * real OS processes released together, each running four evaluations at once.
 */

interface WorkerResult {
	said: string[];
	measuredAt: number[];
}

const W = 5 * 60_000;
const base = Math.floor(Date.now() / W) * W - 50 * W;
const judging = (k: number) => base + (k + 1) * W + 5_000;

async function race(db: TestDatabase, launch: string, now: number): Promise<WorkerResult[]> {
	const workers = Array.from({ length: 2 }, () => startBarrierWorker<WorkerResult>('test/support/monitor-evaluate-worker.ts', { config: db.config, launch, now, parallel: 4 }));
	await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.result))]);
	for (const worker of workers) worker.go();
	return Promise.all(workers.map((w) => w.result));
}

for (const driver of DRIVERS) {
	describe(`[${driver}] two OS processes evaluating alerts at the same moment`, () => {
		let db: TestDatabase;
		const launch = 'race';
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		/** n signups in window k, evaluated by this process. */
		async function windowOf(k: number, n: number, evaluate = true): Promise<void> {
			const ledger = new Ledger(await openStore(db.config));
			try {
				if (k === 0) await ledger.settings.update(launch, { alerts: { ingestionDrop: { baselineWindows: 3, minBaselineSignups: 10 }, resolveAfterWindows: 2 } });
				const outcomes = await ledger.contacts.upsertMany(Array.from({ length: n }, (_, i) => ({ launch, email: `r${k}.${i}@example.com`, attribution: { utm_source: 'ads' } })));
				// contacts.created_at is the ledger's clock at creation; no API sets it.
				const params: SqlValue[] = [base + k * W + 1_000];
				const ids = outcomes.map((o) => (o.ok ? o.result.contactId : assert.fail(o.error)));
				if (ids.length) await ledger.store.execute(`UPDATE contacts SET created_at = $1 WHERE id IN (${inList(ids, params)})`, params);
				if (evaluate) assert.deepEqual((await ledger.monitor.evaluate({ launch, now: judging(k) })).fired, []);
			} finally {
				await ledger.close();
			}
		}

		it('a drop is announced once and its recovery once, whichever process wins', async () => {
			for (const [k, n] of [20, 20, 20, 20, 20].entries()) await windowOf(k, n);
			await windowOf(5, 8, false);
			const fired = await race(db, launch, judging(5));
			assert.deepEqual(fired.flatMap((r) => r.said), ['fired:ingestion_drop'], 'one process announced the drop');
			assert.equal(new Set(fired.flatMap((r) => r.measuredAt)).size, 1, 'all judged the same kept window');

			await windowOf(6, 20);
			await windowOf(7, 20, false);
			const resolved = await race(db, launch, judging(7));
			assert.deepEqual(resolved.flatMap((r) => r.said), ['resolved:ingestion_drop'], 'one process announced the recovery');

			const ledger = new Ledger(await openStore(db.config));
			try {
				assert.deepEqual((await ledger.monitor.announcements(launch)).map((a) => a.kind), ['resolved', 'fired']);
				const snapshots = await ledger.monitor.history({ launch, from: base, to: judging(7), now: judging(7) });
				assert.equal(snapshots.length, 8, 'one row per window');
			} finally {
				await ledger.close();
			}
		});
	});
}
