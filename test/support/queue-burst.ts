/**
 * The queue-mode burst the e2e (test/e2e/queue-mode.e2e.test.ts) and `npm run bench -- queue-burst`
 * run, and the end checks both print: signups with 20 % repeats at concurrency 50 through the webhook
 * processor and Stripe purchases (each paid one delivered twice, some refunded, some disputed) while
 * Kit, HubSpot and the delivery platform fail 30 % of their writes; one worker SIGKILLed a third of
 * the way in and replaced; then the drain, one reconciliation sweep, and the drain again.
 *
 * The templates are the shipped files with test settings in the imported copies only: fake-vendor
 * credentials, schedules every SCHEDULE_SECONDS instead of every minute, the first retry after 1 s
 * instead of 30 s, a 20-second refund window, and successful drain runs kept (so the test can count
 * the schedule's runs). The checkout template keeps its Stripe webhook, Purchase Match and its
 * schedule (due revocations, replay of payments whose run died); course access is delivered by the
 * outbox drain to the delivery platform (the workflows README's "a course platform with a webhook"
 * set-up), so its own Kajabi steps are left out of the copy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { purchaseFactSource, type Ledger, type OutboxEntry, type SweepReport } from '../../ledger';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { CHECKOUT_CREDENTIALS, STRIPE_TEST_WHSEC, checkoutTemplate } from './checkout-template';
import type { VendorRequest } from './n8n-e2e';
import type { QueueE2e, QueueExecution } from './n8n-queue-e2e';
import { stripe } from './purchase-fixtures';
import { stripeSign } from './purchase-signing';
import { runVisitorLoad, signupBody, signupPlan, type LoadPlan, type VisitorLoadResult } from './signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate, type TemplateJson } from './signup-template';

export const LAUNCH = 'default';
export const SIGNUP_WORKFLOW_ID = 'wlSignupCapture1';
export const DRAIN_WORKFLOW_ID = 'wlOutboxDrain001';
export const CHECKOUT_WORKFLOW_ID = 'wlCheckoutAccess';
/** The drain's and the checkout template's schedule in the test copies. */
export const SCHEDULE_SECONDS = 10;
export const REFUND_WINDOW_SECONDS = 20;
export const HAND_OVER_MS = 120_000;
export const VENDOR_FAKES = { failRate: 0.3, failFakes: ['kit', 'hubspot', 'delivery'], failMethods: ['POST'] };

/**
 * n8n's own PostgreSQL pool for every process: 50 requests at once on one webhook processor (and 10
 * runs per worker) wait for a connection past n8n's default pool of 2 (6 in start:queue); on a busy
 * machine a connection can take longer than n8n's 20 s to come, and n8n then fails the request or
 * the run ("timeout exceeded when trying to connect") after the visitor was answered.
 */
export const QUEUE_BURST_N8N_ENV = { DB_POSTGRESDB_POOL_SIZE: '10', DB_POSTGRESDB_CONNECTION_TIMEOUT: '60000' };

const KIT_HEADER_CREDENTIAL = { id: 'wlFakeKitHeader1', name: 'Kit API key (vendor fake)', type: 'httpHeaderAuth', data: { name: 'X-Kit-Api-Key', value: 'kit-test-key' } };
export const QUEUE_BURST_CREDENTIALS = [...FAKE_VENDOR_CREDENTIALS, ...CHECKOUT_CREDENTIALS, KIT_HEADER_CREDENTIAL].filter(
	(c, i, all) => all.findIndex((d) => d.id === c.id) === i,
);
const ref = (id: string) => {
	const c = QUEUE_BURST_CREDENTIALS.find((x) => x.id === id)!;
	return { id: c.id, name: c.name };
};


/** Test timing on every copy: schedules every SCHEDULE_SECONDS, retries after 1–4 s. */
function compressTiming(wf: TemplateJson): TemplateJson {
	for (const node of wf.nodes) {
		const p = node.parameters;
		if (node.type === 'n8n-nodes-base.scheduleTrigger') p.rule = { interval: [{ field: 'seconds', secondsInterval: SCHEDULE_SECONDS }] };
		if (node.type === 'n8n-nodes-waitlist-ledger.accessOutbox' && p.operation === 'fail') p.retryOptions = { baseDelaySeconds: 1, maxDelaySeconds: 4 };
	}
	return wf;
}

function drainTemplate(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'outbox-drain.json'), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) {
		const p = node.parameters;
		if (node.type === 'n8n-nodes-base.httpRequest' && p.genericAuthType === 'httpHeaderAuth') node.credentials = { httpHeaderAuth: ref(KIT_HEADER_CREDENTIAL.id) };
		if (node.type === 'n8n-nodes-base.httpRequest' && p.nodeCredentialType === 'hubspotAppToken') node.credentials = { hubspotAppToken: ref('wlFakeHubspot001') };
	}
	// Every run kept, so the test counts the schedule's runs (the template keeps only failed ones).
	wf.settings = { ...(wf.settings ?? {}), saveDataSuccessExecution: 'all' };
	return compressTiming(wf);
}

/** The checkout template without its own delivery steps: the drain delivers grants and revokes. */
function purchaseTemplate(): TemplateJson {
	const wf = checkoutTemplate({ refundWindowSeconds: REFUND_WINDOW_SECONDS, replayAfterMinutes: 1 });
	const delivery = new Set<string>();
	const walk = (name: string) => {
		if (delivery.has(name)) return;
		delivery.add(name);
		const out = (wf.connections[name] as { main?: Array<Array<{ node: string }>> } | undefined)?.main ?? [];
		for (const branch of out) for (const next of branch ?? []) walk(next.node);
	};
	walk('Access Outbox: claim access work');
	wf.nodes = wf.nodes.filter((n) => !delivery.has(n.name));
	const connections = wf.connections as Record<string, { main: Array<Array<{ node: string }>> }>;
	for (const name of Object.keys(connections)) {
		if (delivery.has(name)) delete connections[name];
		else connections[name]!.main = connections[name]!.main.map((branch) => (branch ?? []).filter((c) => !delivery.has(c.node)));
	}
	return compressTiming(wf);
}

function signupCopy(): TemplateJson {
	return compressTiming(signupTemplate({ launch: LAUNCH, settings: { answerWithContactDetails: true } }));
}

export function queueBurstWorkflows(): TemplateJson[] {
	return [signupCopy(), drainTemplate(), purchaseTemplate()];
}

/** Step 0 of the checkout template ("Define the product"), as the user runs it once. */
export function defineProduct(ledger: Ledger): Promise<unknown> {
	return ledger.purchases.defineProduct({ launch: LAUNCH, productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } });
}

export interface PurchasePlan {
	buyers: string[];
	refunded: string[];
	disputesLost: string[];
	disputesWon: string[];
}

/** The first `purchases` people of the plan buy; of them `refunds` are refunded and `disputes` disputed (half lost, half won). */
export function purchasePlan(plan: LoadPlan, purchases: number, refunds: number, disputes: number, among: number): PurchasePlan {
	const buyers = [...new Set(plan.emails.slice(0, among))].slice(0, purchases);
	const refunded = buyers.slice(0, refunds);
	const disputed = buyers.slice(refunds, refunds + disputes);
	return { buyers, refunded, disputesLost: disputed.slice(0, Math.ceil(disputes / 2)), disputesWon: disputed.slice(Math.ceil(disputes / 2)) };
}

const orderOf = (email: string) => `pi_qb_${email.replace(/[^a-z0-9]/gi, '_')}`;

function stripeDelivery(payload: object): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify(payload);
	return { body, headers: { 'content-type': 'application/json', ...stripeSign(body, STRIPE_TEST_WHSEC).headers } };
}

export interface BurstOutcome {
	plan: LoadPlan;
	purchases: PurchasePlan;
	signups: VisitorLoadResult;
	payments: VisitorLoadResult;
	answeredInMs: number;
	killedAt: number;
	/** Sync entries held by running signup runs at the kill, with the run's id (from the claim). */
	heldAtKill: Array<{ entry: OutboxEntry; executionId: string }>;
	/** The signup runs that did not succeed, and the sync entries their items carried (found in n8n's execution data). */
	failedRuns: Array<{ executionId: string; status: string; entryIds: string[] }>;
	entries: OutboxEntry[];
	settledInMs: number;
	sweep: SweepReport | null;
	sweepFixesSettledInMs: number | null;
	contacts: number;
	requests: VendorRequest[];
	runs: QueueExecution[];
	drains: QueueExecution[];
	startedAt: number;
	finishedAt: number;
	accessStates: Map<string, string | undefined>;
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

const contactIdOf = (ledger: Ledger, email: string) => ledger.contacts.find({ launch: LAUNCH, kind: 'email', value: email }).then((c) => c?.id);

export interface BurstOptions {
	signups: number;
	purchases?: number;
	refunds?: number;
	disputes?: number;
	concurrency?: number;
	/** How long the drain may take to settle the outbox after the last answer. */
	settleMs: number;
	/** How long a purchase may wait for its run (10 minutes unless given; a launch-scale bench waits longer behind the signup runs). */
	accessWaitMs?: number;
	onAnswered?: () => void;
	log?: (line: string) => void;
}

/**
 * Signups in two parts: the first sixth, then (with the payments starting) up to a third — the kill
 * — then the rest while the payments go on. Refunds and disputes follow once the paid purchases they
 * concern have been granted; a dispute is closed once its chargeback was revoked, so each person's
 * facts arrive in Stripe's order.
 */
export async function runQueueBurst(n8n: QueueE2e, options: BurstOptions): Promise<BurstOutcome> {
	const log = options.log ?? (() => undefined);
	const startedAt = Date.now();
	const concurrency = options.concurrency ?? 50;
	const plan = signupPlan(options.signups, 0.2, 'qb');
	const sixth = Math.round(options.signups / 6);
	const third = Math.round(options.signups / 3);
	// 200 purchases, 20 refunds and 10 disputes per 2,000 signups unless given.
	const buyers = options.purchases ?? Math.round(options.signups / 10);
	const purchases = purchasePlan(plan, buyers, options.refunds ?? Math.round(buyers / 10), options.disputes ?? Math.round(buyers / 20), sixth);
	const url = n8n.webhookUrl('waitlist-signup');
	const signup = (emails: string[]) => runVisitorLoad(url, emails.length, concurrency, (i) => ({ body: signupBody(emails[i]!), headers: { 'content-type': 'application/json' } }));

	const first = await signup(plan.emails.slice(0, sixth));
	log(`first sixth answered (${sixth}) after ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
	const payments = sendPayments(n8n, purchases, log, options.accessWaitMs ?? 10 * 60_000);
	const second = await signup(plan.emails.slice(sixth, third));
	// The runs running right now hold their entries under their own execution id (takeOver.ts).
	const heldAtKill = await n8n.withLedger(async (ledger) =>
		(await allEntries(ledger, LAUNCH)).flatMap((entry) => {
			const match = /^n8n:wlSignupCapture1:(\d+)$/.exec(entry.claimedBy ?? '');
			return entry.status === 'claimed' && match ? [{ entry, executionId: match[1]! }] : [];
		}),
	);
	n8n.cluster.workers[0]!.process.kill('SIGKILL');
	const killedAt = Date.now();
	log(`worker 1 SIGKILLed ${((killedAt - startedAt) / 1000).toFixed(0)} s in (${heldAtKill.length} sync entries held by running signup runs); starting a replacement`);
	const tail = signup(plan.emails.slice(third));
	await n8n.cluster.addWorker();
	const rest = await tail;
	const paid = await payments;
	const answeredInMs = Date.now() - startedAt;
	options.onAnswered?.();
	log(`every signup and payment answered after ${(answeredInMs / 1000).toFixed(0)} s`);

	const expected = expectedAccessWork(purchases);
	const settle = async (deadline: number) => {
		for (;;) {
			const entries = await n8n.withLedger((ledger) => allEntries(ledger, LAUNCH));
			const count = (kind: string) => entries.filter((e) => e.kind === kind).length;
			const open = entries.filter((e) => e.status !== 'done' && e.status !== 'dead').length;
			if ((open === 0 && count('grant') >= expected.grants && count('revoke') >= expected.revokes) || Date.now() > deadline) return entries;
			await sleep(5_000);
		}
	};
	let entries = await settle(Date.now() + options.settleMs);
	const settledInMs = Date.now() - startedAt;
	log(`outbox settled ${(settledInMs / 1000).toFixed(0)} s after the first signup`);

	// One reconciliation sweep, as the Reconcile Sweep node runs it (dead syncs a later sync delivered
	// closed first, then the comparison), against what each vendor holds. The fakes run inside every n8n
	// process, each keeping only what its process sent, so the vendors' lists are read from their
	// shared request log: every record any process upserted.
	let sweep: SweepReport | null = null;
	let sweepFixesSettledInMs: number | null = null;
	const requests = n8n.vendorRequests();
	sweep = await n8n.withLedger(async (ledger) => {
		await ledger.outbox.settleSuperseded({ launch: LAUNCH, source: 'queue-burst test' });
		return ledger.reconcile.sweep({ launch: LAUNCH, purchases: purchaseFactSource, source: 'queue-burst test', ...vendorLists(requests, purchases) });
	});
	log(`sweep: ${sweep.fixes} fixes, ${sweep.findings} findings`);
	if (sweep.fixes > 0) {
		const sweptAt = Date.now();
		entries = await settle(Date.now() + options.settleMs);
		sweepFixesSettledInMs = Date.now() - sweptAt;
		// The next reconciliation run's first step (the template runs it hourly): a sync that went to the
		// dead letter after its attempts (the fakes fail 30 % of calls; 8 attempts) and whose person the
		// sweep's fix has now delivered is closed as done, naming the fix.
		const closed = await n8n.withLedger((ledger) => ledger.outbox.settleSuperseded({ launch: LAUNCH, source: 'queue-burst test' }));
		if (closed.length) {
			log(`after the sweep's fixes: ${closed.length} dead sync${closed.length > 1 ? 's' : ''} closed as delivered by a later sync`);
			entries = await n8n.withLedger((ledger) => allEntries(ledger, LAUNCH));
		}
	}
	const accessStates = await n8n.withLedger(async (ledger) => {
		const states = new Map<string, string | undefined>();
		for (const email of purchases.buyers) {
			const contactId = await contactIdOf(ledger, email);
			states.set(email, contactId ? (await ledger.purchases.access({ launch: LAUNCH, contactId, productId: 'course' }))?.state : undefined);
		}
		return states;
	});
	const runs = await n8n.executions(SIGNUP_WORKFLOW_ID);
	const syncIds = new Set(entries.filter((e) => e.kind === 'esp_sync' || e.kind === 'crm_sync').map((e) => e.id));
	const failedRuns: BurstOutcome['failedRuns'] = [];
	for (const run of runs.filter((r) => r.status !== 'success')) {
		const ids = (await n8n.executionData(run.id)).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
		failedRuns.push({ executionId: run.id, status: run.status, entryIds: [...new Set(ids)].filter((id) => syncIds.has(id)) });
	}
	return {
		plan,
		purchases,
		failedRuns,
		signups: { ...rest, statuses: [...first.statuses, ...second.statuses, ...rest.statuses], bodies: [...first.bodies, ...second.bodies, ...rest.bodies], tries: [...first.tries, ...second.tries, ...rest.tries], latenciesMs: [...first.latenciesMs, ...second.latenciesMs, ...rest.latenciesMs] },
		payments: paid,
		answeredInMs,
		killedAt,
		heldAtKill,
		entries,
		settledInMs,
		sweep,
		sweepFixesSettledInMs,
		contacts: await n8n.withLedger((ledger) => ledger.contacts.count(LAUNCH)),
		requests: n8n.vendorRequests(),
		runs,
		drains: await n8n.executions(DRAIN_WORKFLOW_ID),
		startedAt,
		finishedAt: Date.now(),
		accessStates,
	};
}

/** Grants: one per buyer, and one more per dispute won (access restored); revokes: refunds and every chargeback. */
export function expectedAccessWork(p: PurchasePlan): { grants: number; revokes: number } {
	return { grants: p.buyers.length + p.disputesWon.length, revokes: p.refunded.length + p.disputesLost.length + p.disputesWon.length };
}

/**
 * Each paid purchase delivered twice at once (Stripe retries), 5 at a time; then the refunds and
 * the opened disputes once those purchases are granted; then the disputes closed once their
 * chargebacks are revoked.
 */
async function sendPayments(n8n: QueueE2e, p: PurchasePlan, log: (line: string) => void, accessWaitMs: number): Promise<VisitorLoadResult> {
	const url = n8n.webhookUrl('stripe-purchases');
	// Signed at each try, as Stripe signs each delivery attempt.
	const send = (payloads: object[]) => runVisitorLoad(url, payloads.length, 5, (i) => stripeDelivery(payloads[i]!));
	const paid = p.buyers.map((email, i) => stripe.checkoutCompleted(`evt_qb_paid_${i}`, { email, customer: `cus_qb_${i}`, order: orderOf(email), product: 'prod_course' }));
	const results: VisitorLoadResult[] = [await send(paid.flatMap((d) => [d, d]))];
	log(`${paid.length} paid purchases delivered twice`);
	const disputed = [...p.disputesLost, ...p.disputesWon];
	await waitForAccess(n8n, [...p.refunded, ...disputed], 'granted', accessWaitMs);
	results.push(
		await send([
			...p.refunded.map((email, i) => stripe.chargeRefunded(`evt_qb_refund_${i}`, { email, customer: `cus_qb_${p.buyers.indexOf(email)}`, order: orderOf(email) })),
			...disputed.map((email, i) => stripe.dispute(`evt_qb_dispute_open_${i}`, 'charge.dispute.created', 'needs_response', { order: orderOf(email) })),
		]),
	);
	await waitForAccess(n8n, disputed, 'revoked', accessWaitMs);
	results.push(
		await send([
			...p.disputesLost.map((email, i) => stripe.dispute(`evt_qb_dispute_lost_${i}`, 'charge.dispute.closed', 'lost', { order: orderOf(email) })),
			...p.disputesWon.map((email, i) => stripe.dispute(`evt_qb_dispute_won_${i}`, 'charge.dispute.closed', 'won', { order: orderOf(email) })),
		]),
	);
	log(`${p.refunded.length} refunds and ${disputed.length} disputes delivered`);
	return {
		statuses: results.flatMap((r) => r.statuses),
		bodies: results.flatMap((r) => r.bodies),
		tries: results.flatMap((r) => r.tries),
		latenciesMs: results.flatMap((r) => r.latenciesMs),
		elapsedMs: results.reduce((s, r) => s + r.elapsedMs, 0),
	};
}

/** Waits (up to `waitMs`: a payment whose run died is replayed after a minute) until each buyer's access is in `state`. */
async function waitForAccess(n8n: QueueE2e, emails: string[], state: string, waitMs: number): Promise<void> {
	const deadline = Date.now() + waitMs;
	for (;;) {
		const missing = await n8n.withLedger(async (ledger) => {
			const left: string[] = [];
			for (const email of emails) {
				const contactId = await contactIdOf(ledger, email);
				const access = contactId ? await ledger.purchases.access({ launch: LAUNCH, contactId, productId: 'course' }) : null;
				if (access?.state !== state) left.push(email);
			}
			return left;
		});
		if (missing.length === 0) return;
		if (Date.now() > deadline) throw new Error(`access not ${state} within ${Math.round(waitMs / 60_000)} minutes for ${missing.length} buyers, e.g. ${missing.slice(0, 3).join(', ')}`);
		await sleep(2_000);
	}
}

/** What Kit, HubSpot, Stripe and the delivery platform hold, from every process's request log. */
function vendorLists(requests: VendorRequest[], p: PurchasePlan) {
	const enrolled = new Map<string, { email: string; productId: string }>();
	for (const r of requests) {
		if (r.fake !== 'delivery' || r.outcome !== 'ok') continue;
		const body = r.body as { email?: string; product_id?: string };
		const key = `${String(body.email).toLowerCase()} ${body.product_id}`;
		if (r.path === '/grant') enrolled.set(key, { email: String(body.email), productId: String(body.product_id) });
		if (r.path === '/revoke') enrolled.delete(key);
	}
	return {
		esp: [...vendorHolds(requests, 'kit')].map((email) => ({ email })),
		crm: [...vendorHolds(requests, 'hubspot')].map((email) => ({ email })),
		checkout: p.buyers.map((email) => ({ orderId: orderOf(email), email, productId: 'course' })),
		delivery: [...enrolled.values()],
	};
}

export const tally = <T>(items: T[], key: (item: T) => string | number): Record<string, number> =>
	items.reduce<Record<string, number>>((h, item) => ((h[key(item)] = (h[key(item)] ?? 0) + 1), h), {});

/** Each vendor's records by email (successful upserts), as the vendor stores them. */
export function vendorHolds(requests: VendorRequest[], fake: 'kit' | 'hubspot'): Set<string> {
	return new Set(requests.filter((r) => r.fake === fake && r.outcome === 'ok').flatMap((r) => (r.upserts ?? []).map((u) => u.email)));
}

export interface KilledSync {
	entry: OutboxEntry;
	executionId: string;
	email: string | undefined;
	/** First call to the vendor for this contact after the kill (any answer), and the first it took. */
	calledAfterMs: number | null;
	okAfterMs: number | null;
	/** The vendor took it before the kill (the drain sent it while the run still waited in n8n's queue). */
	tookBeforeKill: boolean;
}

/**
 * The sync entries of the signup runs that did not succeed and ended after the kill (the killed
 * worker's: n8n ends them `error`, whether or not they had started), found by their ids in n8n's
 * execution data, and when their vendor was called after the kill.
 */
export function killedSyncs(outcome: BurstOutcome): KilledSync[] {
	const emailOf = new Map(outcome.plan.emails.map((email, i) => [outcome.signups.bodies[i]?.contactId, email]));
	const entryById = new Map(outcome.entries.map((e) => [e.id, e]));
	const stoppedAt = new Map(outcome.runs.map((r) => [r.id, r.stoppedAt]));
	const ended = outcome.failedRuns.filter((run) => (stoppedAt.get(run.executionId) ?? Infinity) >= outcome.killedAt);
	// Two sources, as n8n may keep a stalled run's data or not: the ids its items carried, and the
	// entries its run held (claimed in its own name) at the kill.
	const endedIds = new Set(ended.map((run) => run.executionId));
	const found = new Map<string, string>();
	for (const run of ended) for (const id of run.entryIds) found.set(id, run.executionId);
	for (const held of outcome.heldAtKill) if (endedIds.has(held.executionId)) found.set(held.entry.id, held.executionId);
	return [...found]
		.flatMap(([id, executionId]) => (entryById.has(id) ? [{ entry: entryById.get(id)!, executionId }] : []))
		.map(({ entry, executionId }) => {
			const email = emailOf.get(entry.contactId ?? '');
			const fake = entry.kind === 'esp_sync' ? 'kit' : 'hubspot';
			const calls = email
				? outcome.requests.filter((r) => r.fake === fake && r.at >= outcome.killedAt && `${decodeURIComponent(r.path)} ${JSON.stringify(r.body ?? '')}`.toLowerCase().includes(email))
				: [];
			const after = (r: VendorRequest | undefined) => (r ? r.at - outcome.killedAt : null);
			const tookBeforeKill = email ? outcome.requests.some((r) => r.fake === fake && r.outcome === 'ok' && r.at < outcome.killedAt && (r.upserts ?? []).some((u) => u.email === email)) : false;
			return { entry, executionId, email, calledAfterMs: after(calls[0]), okAfterMs: after(calls.find((r) => r.outcome === 'ok')), tookBeforeKill };
		});
}

export interface EndCheck {
	check: string;
	ok: boolean;
	detail: string;
}

/** The end checks, in words, for the test to assert and the bench to print. */
export function endChecks(o: BurstOutcome): EndCheck[] {
	const { plan, purchases } = o;
	const checks: EndCheck[] = [];
	const add = (check: string, ok: boolean, detail: string) => checks.push({ check, ok, detail });
	const signupAnswers = tally(o.signups.statuses, (s) => s);
	const notAnswered = o.signups.statuses.filter((s) => s < 200 || s > 299).length;
	add('every signup answered 2xx (a visitor retries a 503 after its Retry-After)', notAnswered === 0, `${JSON.stringify(signupAnswers)}; ${o.signups.tries.filter((t) => t > 1).length} needed a retry`);
	add('every payment delivery answered 200', o.payments.statuses.every((s) => s === 200), JSON.stringify(tally(o.payments.statuses, (s) => s)));
	add('one contact per person', o.contacts === plan.unique, `${o.contacts} contacts for ${plan.unique} people`);
	const syncs = new Map<string, number>();
	for (const e of o.entries) if (e.kind === 'esp_sync' || e.kind === 'crm_sync') syncs.set(e.contactId ?? '', (syncs.get(e.contactId ?? '') ?? 0) + 1);
	const answered = o.signups.bodies.filter((b, i) => o.signups.statuses[i]! >= 200 && o.signups.statuses[i]! < 300);
	const missing = answered.filter((b) => typeof b.contactId !== 'string' || (syncs.get(b.contactId) ?? 0) < 2);
	add('every answered signup is in the ledger (its contact, with its Kit and HubSpot sync)', missing.length === 0, `${missing.length} of ${answered.length} missing`);
	const byStatus = tally(o.entries, (e) => e.status);
	const open = o.entries.filter((e) => e.status !== 'done');
	add('no outbox entry pending, claimed, failed or dead', open.length === 0, JSON.stringify(byStatus));
	// A referral-field update (place in line, referral link and count for the email platform) is an ESP
	// sync of its own, queued by the drain once per changed person (ledger/referrals/fields.ts): counted
	// apart from the signup's sync, and reported.
	const fieldUpdates = o.entries.filter((e) => e.idempotencyKey.startsWith('referral-fields:'));
	// The sweep's fix for a person a vendor lacks (a sync that went to the dead letter) is counted apart too.
	const sweepFixes = o.entries.filter((e) => (e.kind === 'esp_sync' || e.kind === 'crm_sync') && e.idempotencyKey.startsWith('reconcile:'));
	const byKind = tally(o.entries.filter((e) => !e.idempotencyKey.startsWith('referral-fields:') && !e.idempotencyKey.startsWith('reconcile:')), (e) => e.kind);
	add(
		'one Kit and one HubSpot sync per person (referral-field updates and sweep fixes apart)',
		byKind.esp_sync === plan.unique && byKind.crm_sync === plan.unique,
		`esp_sync ${byKind.esp_sync ?? 0}, crm_sync ${byKind.crm_sync ?? 0}; ${fieldUpdates.length} referral-field updates for ${new Set(fieldUpdates.map((e) => e.contactId)).size} people; ${sweepFixes.length} sweep fixes (${JSON.stringify(tally(sweepFixes, (e) => e.kind))})`,
	);
	const people = new Set(plan.emails);
	for (const fake of ['kit', 'hubspot'] as const) {
		const held = vendorHolds(o.requests, fake);
		const lacking = [...people].filter((email) => !held.has(email));
		const strangers = [...held].filter((email) => !people.has(email));
		// Upserts keyed by email: a second write of the same person is one record still. Counted, not
		// judged: a run killed between its vendor call and its "done" is sent again by the drain.
		const writes = tally(o.requests.filter((r) => r.fake === fake && r.outcome === 'ok').flatMap((r) => (r.upserts ?? []).map((u) => u.email)), (email) => email);
		const writtenTwice = Object.values(writes).filter((n) => n > 1).length;
		add(`${fake} holds every contact, once (one record per email), and nobody else`, lacking.length === 0 && strangers.length === 0, `${held.size} records for ${people.size} people; lacking ${lacking.slice(0, 3).join(', ') || 'none'}; ${writtenTwice} people written more than once`);
	}
	const expected = expectedAccessWork(purchases);
	add(
		'one grant per paid purchase (each delivered twice), one more per dispute won',
		byKind.grant === expected.grants,
		`${byKind.grant ?? 0} grant entries for ${purchases.buyers.length} paid purchases and ${purchases.disputesWon.length} disputes won`,
	);
	add('revokes for the refunds and every chargeback', byKind.revoke === expected.revokes, `${byKind.revoke ?? 0} revoke entries (expected ${expected.revokes}: ${purchases.refunded.length} refunds, ${purchases.disputesLost.length + purchases.disputesWon.length} disputes opened)`);
	const revokedSet = new Set([...purchases.refunded, ...purchases.disputesLost]);
	const wrongAccess = purchases.buyers.filter((email) => o.accessStates.get(email) !== (revokedSet.has(email) ? 'revoked' : 'granted'));
	add('access: revoked for refunds and lost disputes, granted for everyone else who paid', wrongAccess.length === 0, `${wrongAccess.length} wrong, e.g. ${wrongAccess.slice(0, 2).map((e) => `${e}: ${o.accessStates.get(e)}`).join(', ') || 'none'}`);
	const access = o.entries.filter((e) => e.kind === 'grant' || e.kind === 'revoke');
	const delivered = new Set(o.requests.filter((r) => r.fake === 'delivery' && r.outcome === 'ok').map((r) => r.headers['idempotency-key']));
	const undelivered = access.filter((e) => !delivered.has(e.idempotencyKey));
	const known = new Set(access.map((e) => e.idempotencyKey));
	const foreign = [...delivered].filter((key) => !known.has(key ?? ''));
	add('the delivery platform took every grant and revoke, and nothing else', undelivered.length === 0 && foreign.length === 0, `${access.length - undelivered.length} of ${access.length} delivered; ${foreign.length} unknown`);
	const killed = killedSyncs(o);
	// A killed run's sync the vendor already took before the kill (the drain had it: the run waited in
	// n8n's queue past the signup's claim) was sent in time; every other must be called within HAND_OVER_MS.
	const sentBefore = killed.filter((k) => k.tookBeforeKill);
	const afterKill = killed.filter((k) => !k.tookBeforeKill);
	const late = afterKill.filter((k) => k.calledAfterMs === null || k.calledAfterMs > HAND_OVER_MS);
	const worst = Math.max(0, ...afterKill.map((k) => k.calledAfterMs ?? Infinity));
	const worstOk = Math.max(0, ...afterKill.map((k) => k.okAfterMs ?? Infinity));
	// The hand-over's floor: the drain is a scheduled run, queued by n8n behind the signup runs already
	// waiting for a worker (same priority, first in first out) — its wait in the queue adds to the lease.
	const drainWaits = o.drains
		.filter((d) => d.createdAt !== null && d.startedAt !== null && d.createdAt >= o.killedAt && d.createdAt <= o.killedAt + HAND_OVER_MS)
		.map((d) => d.startedAt! - d.createdAt!)
		.sort((a, b) => a - b);
	const drainWait = drainWaits.length
		? `; the drain's runs queued in the 2 minutes after the kill waited ${fmtSeconds(drainWaits[Math.floor(drainWaits.length / 2)]!)} (median) to ${fmtSeconds(drainWaits.at(-1)!)} in n8n's queue for a worker`
		: '';
	add(
		'every vendor sync of a run killed with its worker sent within 2 minutes of the kill',
		killed.length > 0 && late.length === 0,
		`${killed.length} sync entries of ${new Set(killed.map((k) => k.executionId)).size} runs the kill ended (n8n ended ${o.failedRuns.filter((r) => (o.runs.find((x) => x.id === r.executionId)?.stoppedAt ?? Infinity) >= o.killedAt).length} signup runs in error after it; ${o.heldAtKill.length} entries were held by started runs at the kill; ${sentBefore.length} already sent by the drain before it); slowest first call ${fmtSeconds(worst)}, slowest first accepted ${fmtSeconds(worstOk)} after the kill; late: ${late.slice(0, 3).map((k) => `${k.entry.kind} ${k.email} (run ${k.executionId}, ${k.calledAfterMs === null ? 'never' : fmtSeconds(k.calledAfterMs)})`).join(', ') || 'none'}${drainWait}`,
	);
	if (o.sweep) add('the reconciliation sweep', true, `${o.sweep.fixes} fixes, ${o.sweep.findings} findings${o.sweepFixesSettledInMs !== null ? `, fixes sent within ${fmtSeconds(o.sweepFixesSettledInMs)}` : ''}`);
	return checks;
}

const fmtSeconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)} s` : 'never');

/** What n8n itself left behind: its signup runs by status (the killed worker's end `error` or `crashed`, or stay `running`). */
export function n8nLeftovers(o: BurstOutcome): string {
	const answered = o.signups.statuses.filter((s) => s >= 200 && s < 300).length;
	return `n8n's signup runs by status ${JSON.stringify(tally(o.runs, (r) => r.status))}: ${o.runs.length} runs recorded for ${answered} answered signups (${answered - o.runs.length} never recorded)`;
}

/**
 * The schedule's runs in the window it was watched: n8n starts schedules on main only, so one run
 * per tick — never one per process (main, webhook processor, workers).
 */
export function scheduleRuns(runs: QueueExecution[], everySeconds: number): { runs: number; ticks: number; windowS: number } {
	const scheduled = runs.filter((r) => r.mode === 'trigger' && r.createdAt !== null).map((r) => r.createdAt!);
	if (scheduled.length === 0) return { runs: 0, ticks: 0, windowS: 0 };
	const windowMs = Math.max(...scheduled) - Math.min(...scheduled);
	return { runs: scheduled.length, ticks: Math.floor(windowMs / (everySeconds * 1000)) + 1, windowS: Math.round(windowMs / 1000) };
}
