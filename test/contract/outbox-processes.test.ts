import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

interface WorkerResult {
	claimed: string[];
	claimCalls: number;
}

const startClaimWorker = (args: object) => startBarrierWorker<WorkerResult>('test/support/outbox-claim-worker.ts', args);

async function runClaimWorkers(argsList: object[]): Promise<WorkerResult[]> {
	const workers = argsList.map(startClaimWorker);
	await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.result))]);
	for (const worker of workers) worker.go();
	return Promise.all(workers.map((w) => w.result));
}

const ENTRIES = 10_000;

for (const driver of DRIVERS) {
	describe(`[${driver}] two OS processes draining one outbox`, () => {
		let db: TestDatabase;
		let ids: string[];
		before(async () => {
			db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				ids = [];
				for (let start = 0; start < ENTRIES; start += 1000) {
					const chunk = Array.from({ length: 1000 }, (_, i) => ({ launch: 'drain', kind: i % 2 ? 'esp_sync' : 'crm_sync', idempotencyKey: `k${start + i}` }));
					ids.push(...(await ledger.outbox.enqueueMany(chunk)).map((r) => r.id));
				}
			} finally {
				await ledger.close();
			}
		});
		after(async () => db.drop());

		it(`claim ${ENTRIES.toLocaleString('en')} entries between them, each exactly once (4 claim loops per process)`, async () => {
			const [a, b] = await runClaimWorkers(['p1', 'p2'].map((worker) => ({ config: db.config, launch: 'drain', loops: 4, batch: 50, worker })));
			assert.equal(new Set(a!.claimed).size, a!.claimed.length, 'process 1 never got an entry twice');
			assert.equal(new Set(b!.claimed).size, b!.claimed.length, 'process 2 never got an entry twice');
			const inBoth = a!.claimed.filter((id) => new Set(b!.claimed).has(id));
			assert.deepEqual(inBoth, [], 'no entry was claimed by both processes');
			assert.equal(a!.claimed.length + b!.claimed.length, ENTRIES, 'together they claimed every entry');
			assert.deepEqual([...a!.claimed, ...b!.claimed].sort(), [...ids].sort());
			if (driver === 'postgres') {
				assert.ok(a!.claimed.length > 0 && b!.claimed.length > 0, `both processes took part (${a!.claimed.length} / ${b!.claimed.length})`);
			} else {
				// SQLite has one writer at a time and its lock is not fair: a busy process can take every
				// batch while the other waits. The guarantee there is the one asserted above — no entry
				// twice, none lost — not an even split.
				console.log(`    sqlite split: ${a!.claimed.length} / ${b!.claimed.length}`);
			}

			const ledger = new Ledger(await openStore(db.config));
			try {
				const health = await ledger.outbox.health('drain');
				assert.equal(health.byStatus.done, ENTRIES);
				const [row] = await ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE launch = 'drain' AND attempts <> 1`);
				assert.equal(Number(row?.n), 0, 'every entry was attempted once');
			} finally {
				await ledger.close();
			}
		});
	});

	describe(`[${driver}] two OS processes re-claiming expired leases`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('re-claim every entry a stopped run held exactly once between them; the stopped run can no longer ack', async () => {
			const total = 2000;
			const ledger = new Ledger(await openStore(db.config));
			let stale: Awaited<ReturnType<Ledger['outbox']['claim']>>;
			try {
				// Due a minute ago; a run claimed 600 of them 30 s ago with a 1 s lease and stopped.
				const past = Date.now() - 60_000;
				for (let start = 0; start < total; start += 1000) {
					await ledger.outbox.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ launch: 'lease', kind: 'grant', idempotencyKey: `g${start + i}`, availableAt: past })));
				}
				stale = await ledger.outbox.claim({ launch: 'lease', limit: 600, leaseMs: 1000, workerId: 'stopped-run', now: Date.now() - 30_000 });
				assert.equal(stale.length, 600);
				assert.equal((await ledger.outbox.health('lease')).expiredLeases, 600);
			} finally {
				await ledger.close();
			}

			const [a, b] = await runClaimWorkers(['p1', 'p2'].map((worker) => ({ config: db.config, launch: 'lease', loops: 3, batch: 40, worker })));
			const all = [...a!.claimed, ...b!.claimed];
			assert.equal(new Set(all).size, all.length, 'no entry claimed twice, within or across the processes');
			assert.equal(all.length, total, 'every entry claimed, the expired ones included');
			const staleIds = new Set(stale.map((e) => e.id));
			assert.equal(all.filter((id) => staleIds.has(id)).length, 600, 'each expired lease re-claimed once');

			const after = new Ledger(await openStore(db.config));
			try {
				const attempts = await after.store.query<{ attempts: number; n: number }>(`SELECT attempts, COUNT(*) AS n FROM outbox WHERE launch = 'lease' AND status = 'done' GROUP BY attempts ORDER BY attempts`);
				assert.deepEqual(attempts.map((r) => [Number(r.attempts), Number(r.n)]), [[1, total - 600], [2, 600]]);
				const late = await after.outbox.ack('lease', stale.slice(0, 5).map((e) => ({ id: e.id, claimToken: e.claimToken })));
				assert.deepEqual(late.map((r) => r.outcome), Array(5).fill('already_done'), 'the stopped run\'s late ack changes nothing');
			} finally {
				await after.close();
			}
		});
	});
}
