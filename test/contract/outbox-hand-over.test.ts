import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, type ClaimedOutboxEntry } from '../../ledger';
import { startBarrierWorker } from '../support/barrier-worker';
import { startRunWorker } from '../support/json-worker';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The webhook's claim: what the capture trigger does before the run is queued (10-minute lease). */
async function webhookClaims(ledger: Ledger, launch: string, count: number): Promise<ClaimedOutboxEntry[]> {
	const made = await ledger.outbox.enqueueMany(Array.from({ length: count }, (_, i) => ({ launch, kind: 'esp_sync', idempotencyKey: `esp:${i}` })));
	return ledger.outbox.claim({ launch, ids: made.map((m) => m.id), limit: count, leaseMs: 10 * 60_000, workerId: 'n8n:Waitlist Capture Trigger' });
}

for (const driver of DRIVERS) {
	describe(`[${driver}] renewing a claim`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('moves the lease for the token holder only; attempts stay; settled, lost and unknown claims say so', async () => {
			const { ledger } = t;
			const [a, b, c] = await webhookClaims(ledger, 'renew', 3);
			const now = Date.now();
			const renewed = await ledger.outbox.renew('renew', [a!], { leaseMs: 30_000, workerId: 'n8n:wf:42', now });
			assert.deepEqual(renewed, [{ id: a!.id, outcome: 'renewed', leaseUntil: now + 30_000 }]);
			const row = await ledger.outbox.get(a!.id);
			assert.equal(row?.leaseUntil, now + 30_000, 'the lease is the short one now');
			assert.equal(row?.nextAttemptAt, now + 30_000, 'due for others when the short lease ends');
			assert.equal(row?.attempts, 1, 'taking over is the same attempt');
			assert.equal(row?.claimedBy, 'n8n:wf:42');

			await ledger.outbox.ack('renew', [b!]);
			const results = await ledger.outbox.renew(
				'renew',
				[{ id: a!.id, claimToken: 'not-the-token' }, b!, { id: 'no-such-entry', claimToken: c!.claimToken }, c!],
				{ leaseMs: 5_000 },
			);
			assert.deepEqual(results.map((r) => r.outcome), ['lease_lost', 'already_done', 'not_found', 'renewed']);
			assert.equal((await ledger.outbox.get(a!.id))?.leaseUntil, now + 30_000, 'a wrong token moves nothing');
			assert.equal((await ledger.outbox.get(c!.id))?.claimedBy, 'n8n:Waitlist Capture Trigger', 'no workerId: the holder stays');
			await assert.rejects(ledger.outbox.renew('renew', [a!], { leaseMs: 10 }), /leaseMs/);
		});

		it('a renewed claim is not handed to a drain; one the drain took back is not renewed any more', async () => {
			const { ledger } = t;
			const [e] = await webhookClaims(ledger, 'drain-race', 1);
			const start = Date.now();
			await ledger.outbox.renew('drain-race', [e!], { leaseMs: 2_000, now: start });
			assert.deepEqual(await ledger.outbox.claim({ launch: 'drain-race', limit: 10, leaseMs: 60_000, workerId: 'drain', now: start + 1_999 }), []);
			const [taken] = await ledger.outbox.claim({ launch: 'drain-race', limit: 10, leaseMs: 60_000, workerId: 'drain', now: start + 2_000 });
			assert.equal(taken?.id, e!.id, 'the drain takes it once the short lease is over');
			assert.deepEqual((await ledger.outbox.renew('drain-race', [e!], { leaseMs: 2_000 })).map((r) => r.outcome), ['lease_lost']);
			assert.deepEqual((await ledger.outbox.ack('drain-race', [e!])).map((r) => r.outcome), ['lease_lost'], 'the old run cannot settle it');
			assert.deepEqual((await ledger.outbox.ack('drain-race', [taken!])).map((r) => r.outcome), ['done']);
		});

		it('the keeper stops renewing what was settled and what it held for its longest', async () => {
			const { ledger } = t;
			const claims = await webhookClaims(ledger, 'keeper', 3);
			const keeper = ledger.outbox.claimKeeper;
			const outcomes = await ledger.outbox.keepAlive('keeper', claims.slice(0, 2), { workerId: 'w', leaseMs: 120_000, renewEveryMs: 60_000 });
			assert.deepEqual(outcomes.map((r) => r.outcome), ['renewed', 'renewed']);
			await ledger.outbox.keepAlive('keeper', claims.slice(2), { workerId: 'w', leaseMs: 120_000, renewEveryMs: 60_000, maxHoldMs: 1_000 });
			assert.equal(keeper.size, 3);
			await ledger.outbox.ack('keeper', [claims[0]!]);
			const before = (await ledger.outbox.get(claims[1]!.id))!.leaseUntil!;
			const beforeLongest = (await ledger.outbox.get(claims[2]!.id))!.leaseUntil!;
			await sleep(1_100);
			await keeper.tick();
			assert.equal(keeper.size, 1, 'the acked entry and the one past its longest hold are let go');
			assert.ok((await ledger.outbox.get(claims[1]!.id))!.leaseUntil! > before, 'the held one was renewed');
			assert.ok((await ledger.outbox.get(claims[2]!.id))!.leaseUntil! === beforeLongest, 'the one past its longest hold was not');
			keeper.clear();
		});
	});

	describe(`[${driver}] fast hand-over across OS processes`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('a live run keeps its entries from two drains; killed, they go to the drains once each, its own claims void', async () => {
			const total = 300;
			const lease = 3_000;
			const ledger = new Ledger(await openStore(db.config));
			let run: ChildProcess | undefined;
			try {
				const claims = await webhookClaims(ledger, 'handover', total);
				const started = startRunWorker({ config: db.config, launch: 'handover', claims: claims.map((c) => ({ id: c.id, claimToken: c.claimToken })), leaseMs: lease, renewEveryMs: 500 });
				run = started.child;
				assert.deepEqual(await started.tookOver, Array(total).fill('renewed'));
				const firstLease = (await ledger.outbox.get(claims[0]!.id))!.leaseUntil!;
				assert.ok(firstLease < Date.now() + lease + 1, 'the 10-minute webhook claim became the short run lease');

				// Longer than two short leases: the run is alive, so nothing is due for a drain.
				const aliveUntil = Date.now() + 2 * lease + 1_000;
				while (Date.now() < aliveUntil) {
					assert.deepEqual(await ledger.outbox.claim({ launch: 'handover', limit: 1000, leaseMs: 60_000, workerId: 'early-drain' }), []);
					await sleep(250);
				}
				assert.ok((await ledger.outbox.get(claims[0]!.id))!.leaseUntil! > firstLease, 'the run renewed its lease');

				run.kill('SIGKILL');
				await new Promise((resolve) => run!.once('exit', resolve));
				const killedAt = Date.now();
				// Due again within one short lease of the kill, not after the webhook's 10 minutes.
				while ((await ledger.outbox.health('handover')).expiredLeases < total) {
					assert.ok(Date.now() - killedAt < lease + 5_000, 'the killed run\'s entries are due within one short lease');
					await sleep(100);
				}
			} finally {
				run?.kill('SIGKILL');
				await ledger.close();
			}

			const workers = ['d1', 'd2'].map((worker) =>
				startBarrierWorker<{ claimed: string[] }>('test/support/outbox-claim-worker.ts', { config: db.config, launch: 'handover', loops: 2, batch: 20, worker }),
			);
			await Promise.all(workers.map((w) => w.ready));
			for (const w of workers) w.go();
			const claimed = (await Promise.all(workers.map((w) => w.result))).flatMap((r) => r.claimed);
			assert.equal(claimed.length, total, 'the drains took every entry of the killed run');
			assert.equal(new Set(claimed).size, total, 'each exactly once');

			const check = new Ledger(await openStore(db.config));
			try {
				const health = await check.outbox.health('handover');
				assert.equal(health.byStatus.done, total);
				const [row] = await check.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE launch = 'handover' AND attempts <> 2`);
				assert.equal(Number(row?.n), 0, 'the killed run\'s attempt and the drain\'s: two attempts each');
			} finally {
				await check.close();
			}
		});
	});
}
