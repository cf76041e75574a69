/**
 * The queue-mode burst at launch scale, and what regular mode loses under the same kind of burst.
 *
 *   npm run bench -- queue-burst [--signups=10000] [--regular=2000] [--sides=queue,regular-sqlite,regular-postgres]
 *                                [--budget-minutes=0] [--progress-seconds=180]
 *
 * queue: n8n 2.41.1 queue mode (main, 2 workers, 1 webhook processor; PostgreSQL, Redis), the e2e's
 *   scenario at launch scale (test/support/queue-burst.ts): the signup template, the checkout
 *   template's Stripe webhook (200 purchases per 2,000 signups, each paid one delivered twice, 10 %
 *   refunded, 5 % disputed) and the outbox drain; Kit, HubSpot and the delivery platform failing 30 %
 *   of writes; one worker SIGKILLed a third of the way in and replaced; the drain and one sweep.
 *   Prints the e2e's end checks, what n8n itself left, and the webhook processor's CPU per request.
 * regular-sqlite / regular-postgres: one n8n in regular mode, its own database on SQLite / on
 *   PostgreSQL, the same signups without a kill: runs n8n lost = signups answered − runs it recorded.
 */
import { readFileSync } from 'node:fs';

import { startE2eN8n } from '../test/support/n8n-e2e';
import { startQueueE2e, type QueueE2e } from '../test/support/n8n-queue-e2e';
import { LAUNCH, QUEUE_BURST_CREDENTIALS, QUEUE_BURST_N8N_ENV, SIGNUP_WORKFLOW_ID, allEntries, VENDOR_FAKES, defineProduct, endChecks, n8nLeftovers, queueBurstWorkflows, runQueueBurst, tally } from '../test/support/queue-burst';
import { percentile, runSignupLoad, signupPlan } from '../test/support/signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../test/support/signup-template';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const SIGNUPS = Number(arg('signups', '10000'));
const REGULAR = Number(arg('regular', '2000'));
const SIDES = arg('sides', 'queue,regular-sqlite,regular-postgres').split(',');
/** The queue side stops and prints where it stood after this many minutes (0: no limit). */
const BUDGET_MINUTES = Number(arg('budget-minutes', '0'));
const PROGRESS_MS = Number(arg('progress-seconds', '180')) * 1000;
const FAKES = { failRate: 0.3, failFakes: ['kit', 'hubspot'], failMethods: ['POST'] };
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Where the burst stands: contacts, outbox entries and n8n's signup runs by status, the load. */
async function snapshot(n8n: QueueE2e): Promise<string> {
	const [contacts, entries] = await n8n.withLedger(async (ledger) => [await ledger.contacts.count(LAUNCH), await allEntries(ledger, LAUNCH)] as const);
	const runs = await n8n.executions(SIGNUP_WORKFLOW_ID);
	return `${contacts} contacts; outbox ${JSON.stringify(tally(entries, (e) => `${e.kind}:${e.status}`))}; n8n's signup runs ${JSON.stringify(tally(runs, (r) => r.status))}; load ${load()}`;
}

/**
 * Stops the cluster and says where the burst stood when the budget ran out (`--budget-minutes`) or the
 * bench was interrupted: a loaded machine may not finish 10,000 signups in the time at hand, and an
 * interrupted bench must not leave its n8n processes running.
 */
function giveUpAfter(n8n: QueueE2e, minutes: number, startedAt: number): () => void {
	let stopping = false;
	const stop = async (why: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`
queue mode: ${why} after ${((Date.now() - startedAt) / 60_000).toFixed(0)} min; where it stood: ${await snapshot(n8n).catch((e: unknown) => String(e))}`);
		console.log('The end checks were not reached: the figures above are all this run measured.');
		await n8n.stop();
		process.exit(1);
	};
	const timer = minutes > 0 ? setTimeout(() => void stop(`not finished within the budget of ${minutes} min`), minutes * 60_000) : undefined;
	const onSignal = (signal: string) => void stop(`interrupted (${signal})`);
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	return () => {
		clearTimeout(timer);
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	};
}

async function queueSide(): Promise<void> {
	const n8n = await startQueueE2e({ workflows: queueBurstWorkflows(), credentials: QUEUE_BURST_CREDENTIALS, vendorFakes: VENDOR_FAKES, env: QUEUE_BURST_N8N_ENV });
	const startedAt = Date.now();
	const settled = giveUpAfter(n8n, BUDGET_MINUTES, startedAt);
	// Every few minutes, where the burst stands (the burst's own log speaks only at its milestones).
	const progress = setInterval(() => void snapshot(n8n).then((line) => console.log(`  ${new Date().toISOString().slice(11, 19)} ${line}`), () => undefined), PROGRESS_MS);
	try {
		await n8n.withLedger(defineProduct);
		const webhookPid = n8n.cluster.webhook.process.pid!;
		const cpuBefore = cpuSeconds(webhookPid);
		let cpuAnswered = 0;
		console.log(`queue mode: ${SIGNUPS} signups starting (load ${load()})`);
		const burst = await runQueueBurst(n8n, {
			signups: SIGNUPS,
			settleMs: 60 * 60_000,
			// At launch scale the purchases' runs queue behind thousands of signup runs on the workers.
			accessWaitMs: 60 * 60_000,
			onAnswered: () => (cpuAnswered = cpuSeconds(webhookPid) - cpuBefore),
			log: (line) => console.log(`  ${new Date().toISOString().slice(11, 19)} ${line} (load ${load()})`),
		});
		const { plan } = burst;
		console.log(
			`\nqueue mode: ${SIGNUPS} signups (${plan.unique} people, 20 % repeats) at 50 at a time and ${burst.purchases.buyers.length} purchases through the webhook processor; ` +
				'Kit, HubSpot and the delivery platform failing 30 % of writes; worker 1 SIGKILLed a third of the way in and replaced\n',
		);
		console.log('| check | result |');
		console.log('|---|---|');
		for (const c of endChecks(burst)) console.log(`| ${c.ok ? '' : '**FAILED** '}${c.check} | ${c.detail} |`);
		const answeredMs = burst.answeredInMs;
		console.log(`| answers | ${SIGNUPS} signups in ${(answeredMs / 1000).toFixed(0)} s (${(SIGNUPS / (answeredMs / 1000)).toFixed(1)} signups/s), p50 / p99 ${percentile(burst.signups.latenciesMs, 50).toFixed(0)} / ${percentile(burst.signups.latenciesMs, 99).toFixed(0)} ms |`);
		console.log(`| outbox settled | ${(burst.settledInMs / 1000).toFixed(0)} s after the first signup |`);
		console.log(`| what n8n left | ${n8nLeftovers(burst)} |`);
		console.log(`| drain runs | ${burst.drains.length} |`);
		console.log(`| webhook processor CPU per request | ${((cpuAnswered / (SIGNUPS + burst.payments.statuses.length)) * 1000).toFixed(1)} ms (${cpuAnswered.toFixed(1)} s for ${SIGNUPS} signups and ${burst.payments.statuses.length} payment deliveries) |`);
		console.log(`| machine load at the end | ${load()} |`);
	} finally {
		clearInterval(progress);
		settled();
		await n8n.stop();
	}
}

/** Run statuses n8n has not finished with: a run in one of these has not ended (yet). */
const UNFINISHED = new Set(['new', 'running', 'waiting', 'unknown']);

async function regularSide(database: 'sqlite' | 'postgres'): Promise<void> {
	const launch = `regular-${database}`;
	const workflow = signupTemplate({ launch });
	const plan = signupPlan(REGULAR, 0.2, launch);
	let answered = 0;
	let answers: Record<string, number> = {};
	let statuses: Record<string, number> = {};
	let settledAt = 0;
	let firstSignupAt = 0;
	const loadAtStart = load();
	const startedAt = new Date();
	/**
	 * Runs end behind the answers (n8n queues them as "new" while earlier ones run): wait until none
	 * is unfinished, or until the statuses have not moved for 60 s (a run n8n will never finish).
	 */
	const settle = async (list: () => Promise<{ status: string }[]>) => {
		let last = '';
		let still = 0;
		for (;;) {
			const now = tally(await list(), (e) => e.status);
			const key = JSON.stringify(now);
			still = key === last ? still + 1 : 0;
			last = key;
			const total = Object.values(now).reduce((a, b) => a + b, 0);
			const unfinished = Object.entries(now).reduce((a, [s, n]) => a + (UNFINISHED.has(s) ? n : 0), 0);
			if ((total >= answered && unfinished === 0) || still >= 12) {
				settledAt = Date.now();
				return now;
			}
			await new Promise((r) => setTimeout(r, 5_000));
		}
	};
	// One n8n in regular mode: the e2e harness's (n8n's own SQLite) or the queue harness's in regular mode (PostgreSQL).
	const n8n =
		database === 'sqlite'
			? await startE2eN8n({ workflows: [workflow], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: FAKES, readyTimeoutMs: 900_000 })
			: await startQueueE2e({ workflows: [workflow], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: FAKES, mode: 'regular' });
	try {
		firstSignupAt = Date.now();
		const load = await runSignupLoad(n8n.webhookUrl('waitlist-signup'), plan.emails, 50);
		answered = load.statuses.filter((s) => s === 200 || s === 201).length;
		answers = tally(load.statuses, (s) => s);
		statuses = await settle(async () => n8n.executions(SIGNUP_WORKFLOW_ID));
	} finally {
		await n8n.stop();
	}
	const recorded = Object.values(statuses).reduce((a, b) => a + b, 0);
	const succeeded = statuses.success ?? 0;
	const unfinished = Object.entries(statuses).reduce((a, [s, n]) => a + (UNFINISHED.has(s) ? n : 0), 0);
	console.log(
		`\nregular mode, n8n's database on ${database}: ${REGULAR} signups at 50 at a time → ${answered} answered 2xx (answers by status ${JSON.stringify(answers)}; 0 = no answer); ` +
			`runs n8n lost ${answered - succeeded} (${answered - recorded} never recorded, ${recorded - succeeded - unfinished} ended other than success, ${unfinished} never finished); ` +
			`runs by status ${JSON.stringify(statuses)}; n8n's runs settled ${((settledAt - firstSignupAt) / 1000).toFixed(0)} s after the first signup (none new or running, or none changed for 60 s) ` +
			`(${startedAt.toISOString().slice(11, 16)}–${new Date().toISOString().slice(11, 16)} UTC, load average ${loadAtStart} at the start, ${load()} at the end)`,
	);
}

async function main(): Promise<void> {
	if (SIDES.includes('regular-sqlite')) await regularSide('sqlite');
	if (SIDES.includes('regular-postgres')) await regularSide('postgres');
	if (SIDES.includes('queue')) await queueSide();
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
