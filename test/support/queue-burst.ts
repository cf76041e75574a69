/**
 * The queue-mode burst bench/queue-burst.bench.ts runs (and prints the end checks of): signups with
 * 20 % repeats at concurrency 50 through the webhook processor, one worker SIGKILLed a third of
 * the way in and replaced, then the drain left to finish. Returns what the end checks look at.
 */
import type { Ledger, OutboxEntry } from '../../ledger';
import type { VendorRequest } from './n8n-e2e';
import type { QueueE2e, QueueExecution } from './n8n-queue-e2e';
import { runSignupLoad, signupPlan, type LoadPlan } from './signup-load';

export const SIGNUP_WORKFLOW_ID = 'wlSignupCapture1';
export const DRAIN_WORKFLOW_ID = 'wlOutboxDrain001';

export interface BurstOutcome {
	plan: LoadPlan;
	statuses: number[];
	bodies: Array<{ contactId?: string; created?: boolean }>;
	answeredInMs: number;
	killedAt: number;
	/** Sync entries held by signup runs at the moment of the kill. */
	inFlight: OutboxEntry[];
	/** The outbox when the drain had finished (or the deadline passed). */
	entries: OutboxEntry[];
	settledInMs: number;
	contacts: number;
	requests: VendorRequest[];
	runs: QueueExecution[];
	drains: QueueExecution[];
	startedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function allEntries(ledger: Ledger, launch: string): Promise<OutboxEntry[]> {
	const all: OutboxEntry[] = [];
	let afterSeq: number | undefined;
	for (;;) {
		const page = await ledger.outbox.list({ launch, limit: 1000, afterSeq });
		all.push(...page);
		if (page.length < 1000) return all;
		afterSeq = page[page.length - 1]!.seq;
	}
}

export async function runQueueBurst(n8n: QueueE2e, options: { signups: number; launch: string; concurrency?: number; settleMs: number; onAnswered?: () => void }): Promise<BurstOutcome> {
	const startedAt = Date.now();
	const concurrency = options.concurrency ?? 50;
	const plan = signupPlan(options.signups, 0.2, options.launch);
	const url = n8n.webhookUrl('waitlist-signup');
	const firstThird = Math.round(options.signups / 3);
	const head = await runSignupLoad(url, plan.emails.slice(0, firstThird), concurrency);
	const tail = runSignupLoad(url, plan.emails.slice(firstThird), concurrency);
	await sleep(1_000);
	const inFlight = await n8n.withLedger(async (ledger) =>
		(await allEntries(ledger, options.launch)).filter((e) => e.status === 'claimed' && e.claimedBy?.startsWith(`n8n:${SIGNUP_WORKFLOW_ID}:`)),
	);
	n8n.cluster.workers[0]!.process.kill('SIGKILL');
	const killedAt = Date.now();
	await n8n.cluster.addWorker();
	const rest = await tail;
	const answeredInMs = Date.now() - startedAt;
	options.onAnswered?.();

	const deadline = Date.now() + options.settleMs;
	let entries: OutboxEntry[] = [];
	for (;;) {
		entries = await n8n.withLedger((ledger) => allEntries(ledger, options.launch));
		if (entries.every((e) => e.status === 'done' || e.status === 'dead') || Date.now() > deadline) break;
		await sleep(5_000);
	}
	return {
		plan,
		statuses: [...head.statuses, ...rest.statuses],
		bodies: [...head.bodies, ...rest.bodies],
		answeredInMs,
		killedAt,
		inFlight,
		entries,
		settledInMs: Date.now() - startedAt,
		contacts: await n8n.withLedger((ledger) => ledger.contacts.count(options.launch)),
		requests: n8n.vendorRequests(),
		runs: await n8n.executions(SIGNUP_WORKFLOW_ID),
		drains: await n8n.executions(DRAIN_WORKFLOW_ID),
		startedAt,
	};
}

export const tally = <T>(items: T[], key: (item: T) => string | number): Record<string, number> =>
	items.reduce<Record<string, number>>((h, item) => ((h[key(item)] = (h[key(item)] ?? 0) + 1), h), {});

/** Each vendor's records by email (successful upserts), as the vendor stores them. */
export function vendorHolds(requests: VendorRequest[], fake: 'kit' | 'hubspot'): Set<string> {
	return new Set(requests.filter((r) => r.fake === fake && r.outcome === 'ok').flatMap((r) => (r.upserts ?? []).map((u) => u.email)));
}

/**
 * For each entry held by a run in flight at the kill: how long after the kill its vendor was first
 * called for that contact (null: never). The email is found in the request's path or body.
 */
export function sendDelays(outcome: BurstOutcome): Array<{ entry: OutboxEntry; email: string | undefined; afterMs: number | null; byDrain: boolean }> {
	const emailOf = new Map(outcome.plan.emails.map((email, i) => [outcome.bodies[i]?.contactId, email]));
	const final = new Map(outcome.entries.map((e) => [e.id, e]));
	return outcome.inFlight.map((entry) => {
		const email = emailOf.get(entry.contactId ?? '');
		const fake = entry.kind === 'esp_sync' ? 'kit' : 'hubspot';
		const sent = email
			? outcome.requests.find((r) => r.fake === fake && r.at >= outcome.killedAt - 5_000 && `${decodeURIComponent(r.path)} ${JSON.stringify(r.body ?? '')}`.toLowerCase().includes(email))
			: undefined;
		return { entry, email, afterMs: sent ? sent.at - outcome.killedAt : null, byDrain: final.get(entry.id)?.claimedBy?.startsWith(`n8n:${DRAIN_WORKFLOW_ID}:`) ?? false };
	});
}
