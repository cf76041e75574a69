import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startQueueE2e, type QueueE2e } from '../support/n8n-queue-e2e';
import {
	DRAIN_WORKFLOW_ID,
	QUEUE_BURST_CREDENTIALS,
	QUEUE_BURST_N8N_ENV,
	SCHEDULE_SECONDS,
	VENDOR_FAKES,
	defineProduct,
	endChecks,
	n8nLeftovers,
	queueBurstWorkflows,
	runQueueBurst,
	scheduleRuns,
	type BurstOutcome,
} from '../support/queue-burst';

/**
 * n8n queue mode for real: main (the schedules), 2 workers (concurrency 10 each) and a webhook
 * processor, n8n's database and the ledger on PostgreSQL, the queue on Redis. Signups (2,000 in the
 * issue, SIGNUPS here) with 20 % repeats at 50 at a time and a tenth as many Stripe purchases (each
 * paid one delivered twice, a tenth of them refunded, a twentieth disputed) go through the webhook
 * processor while Kit, HubSpot and the delivery platform fail 30 % of their writes; worker 1 is SIGKILLed a third of the way in and replaced
 * (test/support/queue-burst.ts). After the drain and one reconciliation sweep: one contact per
 * person, every answered signup in the ledger, Kit and HubSpot holding every contact once, one grant
 * per paid purchase, revokes for refunds and chargebacks, nothing pending or dead, and the Kit and
 * HubSpot work of the runs the kill ended sent within 2 minutes of it — those it had started (their
 * short run lease) and those it had taken from n8n's queue but not started (the webhook's 45-second
 * queued-run lease; ledger/outbox/keep-alive.ts). What n8n itself left behind (the killed runs) is
 * printed, not judged: n8n does not retry them.
 */
/**
 * The 2,000 signups (200 purchases): 321 s on this project's 2-core machine when nothing else
 * runs; WAITLIST_LEDGER_QUEUE_E2E_SIGNUPS sets another size (e.g. 300 on a busy machine).
 */
const SIGNUPS = Number(process.env.WAITLIST_LEDGER_QUEUE_E2E_SIGNUPS ?? 2000);

describe('n8n queue mode: signups and purchases with a worker SIGKILLed, vendors failing 30 %', { timeout: 30 * 60_000 }, () => {
	let n8n: QueueE2e;
	let burst: BurstOutcome;
	before(
		async () => {
			n8n = await startQueueE2e({
				workflows: queueBurstWorkflows(),
				credentials: QUEUE_BURST_CREDENTIALS,
				vendorFakes: VENDOR_FAKES,
				env: QUEUE_BURST_N8N_ENV,
			});
			await n8n.withLedger(defineProduct);
		},
		{ timeout: 10 * 60_000 },
	);
	after(async () => n8n?.stop());

	it('loses and doubles nothing; the killed runs\' vendor work is sent within 2 minutes of the kill', { timeout: 25 * 60_000 }, async (t) => {
		const log = (line: string) => t.diagnostic(line);
		burst = await runQueueBurst(n8n, { signups: SIGNUPS, settleMs: 8 * 60_000, log });
		const checks = endChecks(burst);
		for (const c of checks) t.diagnostic(`${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
		// What n8n itself left crashed is reported, not judged (n8n does not retry a stalled job).
		t.diagnostic(n8nLeftovers(burst));
		assert.deepEqual(
			checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`),
			[],
			'every end check holds',
		);
	});

	it('schedules run once per tick across processes: main starts them, not each worker or webhook processor', async (t) => {
		assert.ok(burst, 'the burst ran');
		const { runs, ticks, windowS } = scheduleRuns(burst.drains, SCHEDULE_SECONDS);
		t.diagnostic(`outbox drain (every ${SCHEDULE_SECONDS} s): ${runs} scheduled runs in ${windowS} s (${ticks} ticks), with ${n8n.cluster.all().length} n8n processes`);
		assert.ok(runs >= 3, 'the drain ran on its schedule');
		assert.ok(runs <= ticks + 1, `at most one run per tick (${runs} runs, ${ticks} ticks)`);
		const lastRun = Math.max(...burst.drains.map((r) => r.createdAt ?? 0));
		assert.ok(lastRun >= burst.killedAt, 'the schedule kept running after a worker was killed and replaced');
		assert.deepEqual(
			burst.drains.filter((r) => r.workflowId !== DRAIN_WORKFLOW_ID),
			[],
		);
	});
});
