import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startQueueE2e, type QueueE2e } from '../support/n8n-queue-e2e';
import { runQueueBurst, sendDelays, tally, vendorHolds } from '../support/queue-burst';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../support/signup-template';

/**
 * n8n queue mode for real: main (the drain's schedule), 2 workers (concurrency 10 each) and a webhook
 * processor, n8n's database and the ledger on PostgreSQL, the queue on Redis. Signups with 20 %
 * repeats at concurrency 50 go through the webhook processor while Kit and HubSpot fail 30 % of
 * writes; one worker is SIGKILLed a third of the way in and replaced (test/support/queue-burst.ts).
 * Afterwards: one contact per person, Kit and HubSpot hold every contact once, nothing pending or
 * dead, and the sync work of the runs in flight at the kill was sent within 2 minutes of it (fast
 * hand-over, ledger/outbox/keep-alive.ts).
 *
 * SIGNUPS: the issue asks for 2,000; on the 2-core CI machine that burst keeps n8n's queue busy for
 * minutes before the drain's retries can even start, past this file's time budget, so the e2e runs
 * 400 (WAITLIST_LEDGER_QUEUE_E2E_SIGNUPS overrides) and `npm run bench -- queue-burst` the big one.
 */
const SIGNUPS = Number(process.env.WAITLIST_LEDGER_QUEUE_E2E_SIGNUPS ?? 400);
const LAUNCH = 'queue-e2e';
const HAND_OVER_MS = 120_000;

describe('n8n queue mode: a signup burst with a worker SIGKILLed, vendors failing 30 %', () => {
	let n8n: QueueE2e;
	before(async () => {
		n8n = await startQueueE2e({
			workflows: [signupTemplate({ launch: LAUNCH, settings: { answerWithContactDetails: true } }), 'workflows/outbox-drain.json'],
			credentials: FAKE_VENDOR_CREDENTIALS,
			vendorFakes: { failRate: 0.3, failFakes: ['kit', 'hubspot'], failMethods: ['POST'] },
		});
	});
	after(async () => n8n?.stop());

	it('loses and doubles nothing; the killed runs\' vendor work is sent within 2 minutes of the kill', async (t) => {
		const burst = await runQueueBurst(n8n, { signups: SIGNUPS, launch: LAUNCH, settleMs: 8 * 60_000 });
		const { plan } = burst;
		t.diagnostic(`${SIGNUPS} signups answered in ${(burst.answeredInMs / 1000).toFixed(0)} s; outbox settled ${(burst.settledInMs / 1000).toFixed(0)} s after the first`);
		assert.deepEqual(tally(burst.statuses, (s) => s), { 200: SIGNUPS - plan.unique, 201: plan.unique }, 'every signup answered by the webhook processor, new 201, repeats 200');

		assert.equal(burst.contacts, plan.unique, 'one contact per person');
		const stored = new Set(burst.entries.map((e) => e.contactId));
		const unstored = burst.bodies.map((b) => b.contactId).filter((id) => typeof id !== 'string' || !stored.has(id));
		assert.deepEqual(unstored.slice(0, 5), [], 'every answered signup is in the ledger');
		assert.deepEqual(tally(burst.entries, (e) => e.status), { done: 2 * plan.unique }, 'one Kit and one HubSpot entry per person, all done: none pending or dead');

		for (const fake of ['kit', 'hubspot'] as const) {
			const held = vendorHolds(burst.requests, fake);
			assert.deepEqual([...new Set(plan.emails)].filter((email) => !held.has(email)).slice(0, 5), [], `${fake} holds every contact`);
			assert.equal(held.size, plan.unique, `${fake} holds each contact once, and nobody else`);
		}

		const delays = sendDelays(burst);
		const byDrain = delays.filter((d) => d.byDrain);
		t.diagnostic(
			`${delays.length} sync entries were held by runs in flight at the kill; ${byDrain.length} were finished by the drain; ` +
				`slowest first send after the kill: ${(Math.max(0, ...delays.map((d) => d.afterMs ?? 0)) / 1000).toFixed(0)} s`,
		);
		assert.ok(delays.length > 0, 'the kill caught runs holding sync work');
		const late = delays.filter((d) => d.afterMs === null || d.afterMs > HAND_OVER_MS);
		assert.deepEqual(late.slice(0, 5).map((d) => ({ kind: d.entry.kind, email: d.email, afterMs: d.afterMs })), [], 'every sync of a run in flight at the kill was sent within 2 minutes of it');

		// What n8n itself left: the killed worker's runs end as errors (n8n does not retry a stalled job).
		t.diagnostic(`n8n's signup runs by status: ${JSON.stringify(tally(burst.runs, (r) => r.status))} (of ${SIGNUPS} signups)`);
		const minutes = (Date.now() - burst.startedAt) / 60_000;
		t.diagnostic(`drain runs: ${burst.drains.length} in ${minutes.toFixed(1)} min`);
		assert.ok(burst.drains.length <= Math.ceil(minutes) + 1, 'main started the drain once a minute, not once per process');
	});
});
