/**
 * The queue-mode burst at launch scale, and what regular mode loses under the same kind of burst.
 *
 *   npm run bench -- queue-burst [--signups=10000] [--regular=2000] [--sides=queue,regular-sqlite,regular-postgres]
 *
 * queue: n8n 2.41.1 queue mode (main, 2 workers, 1 webhook processor; PostgreSQL, Redis), the
 *   signup template and the outbox drain, Kit and HubSpot failing 30 % of writes, one worker
 *   SIGKILLed a third of the way in and replaced (test/support/queue-burst.ts, the e2e's scenario);
 *   prints the e2e's end checks and the webhook processor's CPU per signup.
 * regular-sqlite / regular-postgres: one n8n in regular mode, its own database on SQLite / on
 *   PostgreSQL, the same signups without a kill: runs n8n lost = signups answered − runs it recorded.
 */
import { readFileSync } from 'node:fs';

import { startE2eN8n } from '../test/support/n8n-e2e';
import { startQueueE2e } from '../test/support/n8n-queue-e2e';
import { runQueueBurst, sendDelays, SIGNUP_WORKFLOW_ID, tally, vendorHolds } from '../test/support/queue-burst';
import { runSignupLoad, signupPlan } from '../test/support/signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../test/support/signup-template';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const SIGNUPS = Number(arg('signups', '10000'));
const REGULAR = Number(arg('regular', '2000'));
const SIDES = arg('sides', 'queue,regular-sqlite,regular-postgres').split(',');
const FAKES = { failRate: 0.3, failFakes: ['kit', 'hubspot'], failMethods: ['POST'] };

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function queueSide(): Promise<void> {
	const launch = 'queue-bench';
	const n8n = await startQueueE2e({
		workflows: [signupTemplate({ launch, settings: { answerWithContactDetails: true } }), 'workflows/outbox-drain.json'],
		credentials: FAKE_VENDOR_CREDENTIALS,
		vendorFakes: FAKES,
	});
	try {
		const webhookPid = n8n.cluster.webhook.process.pid!;
		const cpuBefore = cpuSeconds(webhookPid);
		let cpuAnswered = 0;
		const burst = await runQueueBurst(n8n, { signups: SIGNUPS, launch, settleMs: 40 * 60_000, onAnswered: () => (cpuAnswered = cpuSeconds(webhookPid) - cpuBefore) });
		const { plan } = burst;
		const delays = sendDelays(burst);
		const answered = tally(burst.statuses, (s) => s);
		console.log(`\nqueue mode: ${SIGNUPS} signups (${plan.unique} people, 20 % repeats) at 50 at a time through the webhook processor; Kit and HubSpot failing 30 % of writes; worker 1 SIGKILLed a third of the way in and replaced\n`);
		console.log('| check | result |');
		console.log('|---|---|');
		console.log(`| answers | ${JSON.stringify(answered)} in ${(burst.answeredInMs / 1000).toFixed(0)} s (${(SIGNUPS / (burst.answeredInMs / 1000)).toFixed(1)} signups/s) |`);
		console.log(`| one contact per person | ${burst.contacts} contacts for ${plan.unique} people |`);
		const stored = new Set(burst.entries.map((e) => e.contactId));
		console.log(`| answered signups missing from the ledger | ${burst.bodies.filter((b) => !b.contactId || !stored.has(b.contactId)).length} |`);
		console.log(`| outbox after the drain | ${JSON.stringify(tally(burst.entries, (e) => e.status))} (expected done ${2 * plan.unique}), settled ${(burst.settledInMs / 1000).toFixed(0)} s after the first signup |`);
		for (const fake of ['kit', 'hubspot'] as const) console.log(`| ${fake} holds | ${vendorHolds(burst.requests, fake).size} of ${plan.unique} contacts |`);
		const worst = Math.max(0, ...delays.map((d) => d.afterMs ?? Infinity));
		console.log(`| runs in flight at the kill | ${delays.length} sync entries; ${delays.filter((d) => d.byDrain).length} finished by the drain; slowest first send ${Number.isFinite(worst) ? `${(worst / 1000).toFixed(0)} s` : 'never'} after the kill (target ≤ 120 s) |`);
		console.log(`| n8n's signup runs by status | ${JSON.stringify(tally(burst.runs, (r) => r.status))} |`);
		console.log(`| drain runs | ${burst.drains.length} |`);
		console.log(`| webhook processor CPU per signup | ${((cpuAnswered / SIGNUPS) * 1000).toFixed(1)} ms (${cpuAnswered.toFixed(1)} s for ${SIGNUPS}) |`);
	} finally {
		await n8n.stop();
	}
}

async function regularSide(database: 'sqlite' | 'postgres'): Promise<void> {
	const launch = `regular-${database}`;
	const workflow = signupTemplate({ launch });
	const plan = signupPlan(REGULAR, 0.2, launch);
	let answered = 0;
	let recorded = 0;
	let statuses: Record<string, number> = {};
	const settle = async (count: () => Promise<number>) => {
		// Runs finish behind the answers; wait until n8n's count stops moving for 30 s.
		let last = -1;
		let still = 0;
		while (still < 6) {
			const now = await count();
			still = now === last ? still + 1 : 0;
			last = now;
			await new Promise((r) => setTimeout(r, 5_000));
		}
		return last;
	};
	if (database === 'sqlite') {
		const n8n = await startE2eN8n({ workflows: [workflow], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: FAKES });
		try {
			const load = await runSignupLoad(n8n.webhookUrl('waitlist-signup'), plan.emails, 50);
			answered = load.statuses.filter((s) => s === 200 || s === 201).length;
			recorded = await settle(async () => n8n.executions(SIGNUP_WORKFLOW_ID).length);
			statuses = tally(n8n.executions(SIGNUP_WORKFLOW_ID), (e) => e.status);
		} finally {
			await n8n.stop();
		}
	} else {
		const n8n = await startQueueE2e({ workflows: [workflow], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: FAKES, mode: 'regular' });
		try {
			const load = await runSignupLoad(n8n.webhookUrl('waitlist-signup'), plan.emails, 50);
			answered = load.statuses.filter((s) => s === 200 || s === 201).length;
			recorded = await settle(async () => (await n8n.executions(SIGNUP_WORKFLOW_ID)).length);
			statuses = tally(await n8n.executions(SIGNUP_WORKFLOW_ID), (e) => e.status);
		} finally {
			await n8n.stop();
		}
	}
	console.log(`\nregular mode, n8n's database on ${database}: ${REGULAR} signups at 50 at a time → ${answered} answered, ${recorded} runs recorded: runs n8n lost ${answered - recorded}; by status ${JSON.stringify(statuses)}`);
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
