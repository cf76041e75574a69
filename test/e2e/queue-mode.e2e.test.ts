import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Ledger, OutboxEntry } from '../../ledger';
import { startQueueE2e, type QueueE2e } from '../support/n8n-queue-e2e';
import type { VendorRequest } from '../support/n8n-e2e';
import { runSignupLoad, signupPlan } from '../support/signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../support/signup-template';

/**
 * n8n queue mode for real: main (the drain's schedule), 2 workers (concurrency 10 each) and a webhook
 * processor, n8n's database and the ledger on PostgreSQL, the queue on Redis. Signups with 20 %
 * repeats at concurrency 50 go through the webhook processor while Kit and HubSpot fail 30 % of
 * writes; one worker is SIGKILLed a third of the way in and replaced. Afterwards: one contact per
 * person, Kit and HubSpot hold every contact once, nothing pending or dead, and the sync work of the
 * runs in flight at the kill was sent within 2 minutes of it (fast hand-over, keep-alive.ts).
 *
 * SIGNUPS: the issue asks for 2,000; on the 2-core CI machine that burst keeps n8n's queue busy for
 * minutes before the drain's retries can even start, past this file's time budget, so the e2e runs
 * 400 (WAITLIST_LEDGER_QUEUE_E2E_SIGNUPS overrides) and `npm run bench -- queue-burst` runs the big one.
 */
const SIGNUPS = Number(process.env.WAITLIST_LEDGER_QUEUE_E2E_SIGNUPS ?? 400);
const CONCURRENCY = 50;
const LAUNCH = 'queue-e2e';
const HAND_OVER_MS = 120_000;
const SIGNUP = signupTemplate({ launch: LAUNCH, settings: { answerWithContactDetails: true } });
const DRAIN = 'workflows/outbox-drain.json';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allEntries(ledger: Ledger): Promise<OutboxEntry[]> {
	const all: OutboxEntry[] = [];
	let afterSeq: number | undefined;
	for (;;) {
		const page = await ledger.outbox.list({ launch: LAUNCH, limit: 1000, afterSeq });
		all.push(...page);
		if (page.length < 1000) return all;
		afterSeq = page[page.length - 1]!.seq;
	}
}

/** The emails a vendor request carried (path or body), lowercased. */
function mentions(request: VendorRequest, email: string): boolean {
	return `${decodeURIComponent(request.path)} ${JSON.stringify(request.body ?? '')}`.toLowerCase().includes(email);
}

describe('n8n queue mode: a signup burst with a worker SIGKILLed, vendors failing 30 %', () => {
	let n8n: QueueE2e;
	before(async () => {
		n8n = await startQueueE2e({
			workflows: [SIGNUP, DRAIN],
			credentials: FAKE_VENDOR_CREDENTIALS,
			vendorFakes: { failRate: 0.3, failFakes: ['kit', 'hubspot'], failMethods: ['POST'] },
		});
	});
	after(async () => n8n?.stop());

	it('loses and doubles nothing; the killed runs\' vendor work is sent within 2 minutes of the kill', async (t) => {
		const started = Date.now();
		const plan = signupPlan(SIGNUPS, 0.2, 'queue');
		const url = n8n.webhookUrl('waitlist-signup');
		// A third of the way in, one worker dies with its runs; a new one takes its place.
		const firstThird = Math.round(SIGNUPS / 3);
		const head = await runSignupLoad(url, plan.emails.slice(0, firstThird), CONCURRENCY);
		const tail = runSignupLoad(url, plan.emails.slice(firstThird), CONCURRENCY);
		await sleep(1_000);
		const inFlight = await n8n.withLedger(async (ledger) => (await allEntries(ledger)).filter((e) => e.status === 'claimed' && /^n8n:wlSignupCapture1:/.test(e.claimedBy ?? '')));
		const killed = n8n.cluster.workers[0]!;
		killed.process.kill('SIGKILL');
		const killedAt = Date.now();
		await n8n.cluster.addWorker();
		const rest = await tail;

		const statuses = [...head.statuses, ...rest.statuses];
		const bodies = [...head.bodies, ...rest.bodies];
		assert.deepEqual(
			statuses.reduce<Record<number, number>>((h, s) => ((h[s] = (h[s] ?? 0) + 1), h), {}),
			{ 200: SIGNUPS - plan.unique, 201: plan.unique },
			'every signup answered through the webhook processor, new ones 201 and repeats 200',
		);
		t.diagnostic(`burst: ${SIGNUPS} signups answered in ${((Date.now() - started) / 1000).toFixed(0)} s; ${inFlight.length} sync entries were held by runs in flight at the kill`);

		// The drain (every minute, on main's schedule, run by the workers) finishes what runs left.
		const deadline = Date.now() + 8 * 60_000;
		let entries: OutboxEntry[] = [];
		for (;;) {
			entries = await n8n.withLedger(allEntries);
			if (entries.every((e) => e.status === 'done' || e.status === 'dead')) break;
			if (Date.now() > deadline) break;
			await sleep(5_000);
		}
		const byStatus = entries.reduce<Record<string, number>>((h, e) => ((h[e.status] = (h[e.status] ?? 0) + 1), h), {});
		assert.deepEqual(byStatus, { done: 2 * plan.unique }, 'one Kit and one HubSpot entry per person, every one done, none dead');

		await n8n.withLedger(async (ledger) => {
			assert.equal(await ledger.contacts.count(LAUNCH), plan.unique, 'one contact per person');
			const answered = new Set(bodies.map((b) => b.contactId).filter((id): id is string => typeof id === 'string'));
			const stored = new Set(entries.map((e) => e.contactId));
			assert.deepEqual([...answered].filter((id) => !stored.has(id)), [], 'every answered signup is in the ledger');
		});

		const requests = n8n.vendorRequests();
		for (const fake of ['kit', 'hubspot'] as const) {
			const held = new Set(requests.filter((r) => r.fake === fake && r.outcome === 'ok').flatMap((r) => (r.upserts ?? []).map((u) => u.email)));
			const missing = [...new Set(plan.emails)].filter((email) => !held.has(email));
			assert.deepEqual(missing.slice(0, 5), [], `${fake} holds every contact (${held.size} of ${plan.unique})`);
			assert.equal(held.size, plan.unique, `${fake} holds each contact once: nobody else`);
		}

		// The runs in flight at the kill: those on the killed worker were handed over by the drain.
		const emailOf = new Map(plan.emails.map((email, i) => [bodies[i]?.contactId, email]));
		const handedOver = entries.filter((e) => inFlight.some((f) => f.id === e.id) && /^n8n:wlOutboxDrain001:/.test(e.claimedBy ?? ''));
		const late = inFlight.flatMap((entry) => {
			const email = emailOf.get(entry.contactId ?? '');
			const fake = entry.kind === 'esp_sync' ? 'kit' : 'hubspot';
			const sent = requests.find((r) => r.fake === fake && r.at >= killedAt - 5_000 && email !== undefined && mentions(r, email));
			return !sent || sent.at - killedAt > HAND_OVER_MS ? [{ id: entry.id, kind: entry.kind, email, sentAfterMs: sent ? sent.at - killedAt : null }] : [];
		});
		t.diagnostic(`${handedOver.length} of them were handed over to the drain; slowest send after the kill: ${Math.max(0, ...inFlight.map((e) => {
			const email = emailOf.get(e.contactId ?? '');
			const sent = requests.find((r) => r.fake === (e.kind === 'esp_sync' ? 'kit' : 'hubspot') && r.at >= killedAt - 5_000 && email !== undefined && mentions(r, email));
			return sent ? sent.at - killedAt : 0;
		})) / 1000} s`);
		assert.deepEqual(late.slice(0, 5), [], 'every sync of a run in flight at the kill was sent within 2 minutes of it');

		// What n8n itself left: the killed worker's runs end as errors (n8n does not retry a stalled job).
		const runs = await n8n.executions('wlSignupCapture1');
		const runStatuses = runs.reduce<Record<string, number>>((h, r) => ((h[r.status] = (h[r.status] ?? 0) + 1), h), {});
		t.diagnostic(`n8n's signup runs by status: ${JSON.stringify(runStatuses)} (of ${SIGNUPS} signups; the killed worker's runs are n8n's errors, their work is the drain's)`);
		const drains = await n8n.executions('wlOutboxDrain001');
		const minutes = (Date.now() - started) / 60_000;
		t.diagnostic(`drain runs: ${drains.length} in ${minutes.toFixed(1)} min (main schedules once a minute, whatever the number of workers)`);
		assert.ok(drains.length <= Math.ceil(minutes) + 1, `the schedule fired once a minute, not once per process (${drains.length} runs in ${minutes.toFixed(1)} min)`);
	});
});
