import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, QUEUED_RUN_LEASE_MS, RUN_LEASE_MS, type ClaimedOutboxEntry, type ClaimProof, type SignupBody } from '../../ledger';
import { startBarrierWorker } from '../support/barrier-worker';
import { startRunWorker } from '../support/json-worker';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';

/**
 * A signup's run that never starts (a queue-mode worker took it and died before starting it; n8n
 * never retries such a run): the webhook's claim on its Kit and HubSpot syncs is the short queued-run
 * lease, so the drain sends them soon — within 2 minutes of the signup with the drain on its shipped
 * one-minute schedule. A run that does start in time takes them over and keeps them from every drain
 * while it lives; a run that starts after the drain took them is told so and sends nothing.
 */

/** The outbox drain template's schedule (workflows/outbox-drain.json: every minute). */
const DRAIN_EVERY_MS = 60_000;
const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });

/** A signup through ledger.capture.submit, its syncs claimed for its run as the capture trigger asks (no lease given). */
async function signupClaimedForRun(ledger: Ledger, launch: string, email: string, now: number): Promise<ClaimProof[]> {
	const verdict = await ledger.capture.submit({ launch, options: {}, request: { body: json({ email }), remoteAddress: '203.0.113.9', userAgent: 'contract-test' }, claimFor: { workerId: 'n8n:Waitlist Capture Trigger' }, now });
	assert.equal(verdict.accepted, true);
	if (!verdict.accepted) return [];
	assert.deepEqual(verdict.result.claimedSync.map((c) => c.kind).sort(), ['crm_sync', 'esp_sync']);
	return verdict.result.claimedSync.map((c) => ({ id: c.id, claimToken: c.claimToken }));
}

/** What the capture trigger's webhook does for many signups at once: enqueue, claim for their runs with the given lease. */
async function webhookClaims(ledger: Ledger, launch: string, count: number, leaseMs: number): Promise<ClaimedOutboxEntry[]> {
	const made = await ledger.outbox.enqueueMany(Array.from({ length: count }, (_, i) => ({ launch, kind: i % 2 ? 'crm_sync' : 'esp_sync', idempotencyKey: `sync:${i}` })));
	return ledger.outbox.claim({ launch, ids: made.map((m) => m.id), limit: count, leaseMs, workerId: 'n8n:Waitlist Capture Trigger' });
}

for (const driver of DRIVERS) {
	describe(`[${driver}] a signup's run that never starts`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('the webhook claims its syncs with the queued-run lease: due for the drain when it ends, sent within 2 minutes on the drain\'s schedule', async () => {
			const { ledger } = t;
			const signedUpAt = Date.now();
			const claims = await signupClaimedForRun(ledger, 'never-starts', 'queued@example.com', signedUpAt);
			for (const c of claims) {
				const entry = await ledger.outbox.get(c.id);
				assert.equal(entry?.status, 'claimed');
				assert.equal(entry?.claimedBy, 'n8n:Waitlist Capture Trigger');
				assert.ok(entry!.leaseUntil! - signedUpAt >= QUEUED_RUN_LEASE_MS && entry!.leaseUntil! - Date.now() <= QUEUED_RUN_LEASE_MS, 'held for the queued-run lease from the claim');
			}
			const claimedAt = Math.max(...(await Promise.all(claims.map((c) => ledger.outbox.get(c.id)))).map((e) => e!.leaseUntil! - QUEUED_RUN_LEASE_MS));
			const drain = (now: number) => ledger.outbox.claim({ launch: 'never-starts', limit: 10, leaseMs: 5 * 60_000, workerId: 'drain', now });
			assert.deepEqual(await drain(claimedAt + QUEUED_RUN_LEASE_MS - 1), [], 'not before the lease ends: the run may still start');
			const taken = await drain(claimedAt + QUEUED_RUN_LEASE_MS);
			assert.deepEqual(taken.map((e) => e.id).sort(), claims.map((c) => c.id).sort(), 'the drain takes both once the lease ends');
			// The drain's next tick after the lease ends is at most one schedule interval later.
			assert.ok(QUEUED_RUN_LEASE_MS + DRAIN_EVERY_MS <= 2 * 60_000, `a lease of ${QUEUED_RUN_LEASE_MS / 1000} s plus a one-minute drain stays within 2 minutes`);

			// The run starts after all (late in n8n's queue): the drain holds the entries, so the run holds none.
			const late = await ledger.outbox.renew('never-starts', claims, { leaseMs: RUN_LEASE_MS, workerId: 'n8n:wf:late' });
			assert.deepEqual(late.map((r) => r.outcome), ['lease_lost', 'lease_lost'], 'the late run is told the drain took them');
			assert.deepEqual((await ledger.outbox.ack('never-starts', claims)).map((r) => r.outcome), ['lease_lost', 'lease_lost'], 'nor can it settle them');
			assert.deepEqual((await ledger.outbox.ack('never-starts', taken)).map((r) => r.outcome), ['done', 'done']);
			assert.deepEqual((await ledger.outbox.renew('never-starts', claims, { leaseMs: RUN_LEASE_MS })).map((r) => r.outcome), ['already_done', 'already_done']);
		});

		it('a run that starts in time takes them over, even after the lease ran out when nobody claimed them since', async () => {
			const { ledger } = t;
			const now = Date.now();
			const inTime = await signupClaimedForRun(ledger, 'starts', 'in-time@example.com', now);
			const slow = await signupClaimedForRun(ledger, 'starts', 'slow@example.com', now);
			const started = await ledger.outbox.renew('starts', inTime, { leaseMs: RUN_LEASE_MS, workerId: 'n8n:wf:1', now: now + 1_000 });
			assert.deepEqual(started.map((r) => r.outcome), ['renewed', 'renewed']);
			// Past the queued-run lease, before any drain ran: the slow run still takes its own over.
			const afterLease = now + QUEUED_RUN_LEASE_MS + 5_000;
			assert.deepEqual((await ledger.outbox.renew('starts', slow, { leaseMs: RUN_LEASE_MS, workerId: 'n8n:wf:2', now: afterLease })).map((r) => r.outcome), ['renewed', 'renewed']);
			// Meanwhile the in-time run's process renewed its lease on its timer (as ClaimKeeper does).
			assert.deepEqual((await ledger.outbox.renew('starts', inTime, { leaseMs: RUN_LEASE_MS, now: afterLease - 5_000 })).map((r) => r.outcome), ['renewed', 'renewed']);
			assert.deepEqual(await ledger.outbox.claim({ launch: 'starts', limit: 10, leaseMs: 60_000, workerId: 'drain', now: afterLease }), [], 'the drain finds nothing the slow run holds');
		});
	});

	describe(`[${driver}] queued runs across OS processes: two drains and a run worker`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('the drains take the never-started runs\' syncs once each after the queued-run lease, never a live run\'s; a late run holds none', async () => {
			const perHalf = 100;
			// The production leases scaled down (45 s → 3 s, 30 s → 4 s renewed every 0.5 s) so the race fits in seconds.
			const queuedLease = 3_000;
			const runLease = 4_000;
			const ledger = new Ledger(await openStore(db.config));
			let run: ChildProcess | undefined;
			let late: ChildProcess | undefined;
			try {
				const claims = await webhookClaims(ledger, 'queued', 2 * perHalf, queuedLease);
				const leaseEnds = Math.min(...claims.map((c) => c.leaseUntil));
				const started = claims.slice(0, perHalf);
				const neverStarted = claims.slice(perHalf);
				const proofs = (list: ClaimedOutboxEntry[]) => list.map((c) => ({ id: c.id, claimToken: c.claimToken }));

				// Two drains polling every 100 ms for the queued-run lease and three run leases more, while the
				// started half's run worker lives and renews.
				const pollForMs = queuedLease + 3 * runLease;
				const drains = ['d1', 'd2'].map((worker) =>
					startBarrierWorker<{ claimed: string[]; claimedAt: number[] }>('test/support/outbox-claim-worker.ts', { config: db.config, launch: 'queued', loops: 2, batch: 20, worker, pollForMs, pollEveryMs: 100 }),
				);
				const runWorker = startRunWorker({ config: db.config, launch: 'queued', claims: proofs(started), leaseMs: runLease, renewEveryMs: 500 });
				run = runWorker.child;
				assert.deepEqual(await runWorker.tookOver, Array(perHalf).fill('renewed'), 'the started runs take theirs over');
				await Promise.all(drains.map((d) => d.ready));
				for (const d of drains) d.go();
				const results = await Promise.all(drains.map((d) => d.result));

				const claimed = results.flatMap((r) => r.claimed);
				assert.equal(new Set(claimed).size, claimed.length, 'each entry taken by one drain once');
				assert.deepEqual([...claimed].sort(), neverStarted.map((c) => c.id).sort(), 'exactly the never-started runs\' entries: nothing of the live run');
				const firstTaken = Math.min(...results.flatMap((r) => r.claimedAt));
				assert.ok(firstTaken >= leaseEnds, 'none before the queued-run lease ended');

				// A never-started run starts late after all (another worker took it from n8n's queue): it holds nothing.
				const lateRun = startRunWorker({ config: db.config, launch: 'queued', claims: proofs(neverStarted), leaseMs: runLease, renewEveryMs: 500 });
				late = lateRun.child;
				assert.deepEqual([...new Set(await lateRun.tookOver)], ['already_done'], 'the late run is told the drain sent them');
			} finally {
				run?.kill('SIGKILL');
				late?.kill('SIGKILL');
				await ledger.close();
			}

			const check = new Ledger(await openStore(db.config));
			try {
				const rows = await check.store.query<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM outbox WHERE launch = 'queued' GROUP BY status ORDER BY status`);
				assert.deepEqual(rows.map((r) => [r.status, Number(r.n)]), [['claimed', perHalf], ['done', perHalf]], 'the live run\'s entries still its own, the others sent');
				const [held] = await check.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE launch = 'queued' AND status = 'claimed' AND claimed_by LIKE 'run-worker:%'`);
				assert.equal(Number(held?.n), perHalf);
			} finally {
				await check.close();
			}
		});
	});
}
