/**
 * Signup throughput by deployment: one n8n in regular mode, then n8n queue mode (main, 2 workers)
 * with one and with two webhook processors — n8n's own database on the same local PostgreSQL each
 * time, the ledger on PostgreSQL, Redis for the queue. Run by `npm run bench -- capture-throughput`
 * after the single-n8n sides of capture-throughput.bench.ts.
 *
 * The same three workflows in each: the bare Webhook → Respond workflow (in queue mode its run goes
 * through a worker and the webhook processor waits for it), the launch-day capture as shipped (trigger
 * 1.1: answered by the process that receives the request, no run), and the signup template (normal
 * mode: answered, then a run per signup on a worker). With two webhook processors the requests are
 * spread over them in turn, as a load balancer would. Each side is taken in slices in turn, and each
 * side's runs finish before the next side starts. Deployments run one after another (they cannot
 * interleave), so the load average is printed with each; the CPU columns (from /proc, per request, by
 * role) hold better than rates on a shared machine.
 *
 * Two cores here: main, workers and webhook processors share them, so queue mode is not expected to
 * be faster; the figures say what each role costs per signup, for sizing machines.
 *
 *   npm run bench -- capture-throughput.scale-out [--n=300] [--concurrency=20] [--slices=3] [--deployments=regular,queue-1,queue-2]
 */
import { startQueueE2e, type QueueE2e } from '../test/support/n8n-queue-e2e';
import { QUEUE_BURST_N8N_ENV } from '../test/support/queue-burst';
import { percentile, signupBody, signupPlan, type LoadResult } from '../test/support/signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../test/support/signup-template';
import { BARE_WORKFLOW, arg, cpuMsOf, launchDayWorkflow, loadAverage } from './support';

const N = Number(arg('n', '300'));
const CONCURRENCY = Number(arg('concurrency', '20'));
const SLICES = Number(arg('slices', '3'));
const DEPLOYMENTS = arg('deployments', 'regular,queue-1,queue-2').split(',').filter(Boolean);

const SIGNUP_ID = 'wlSignupCapture1';
const LAUNCH_DAY_ID = 'wlBenchLaunch011';

interface Side {
	name: string;
	path: string;
	workflowId: string;
	/** The signup template answers before its run: completed waits for every run to end. */
	waitForRuns: boolean;
	results: LoadResult[];
	completedMs: number;
	cpuMs: { webhook: number; workers: number; main: number };
}

interface Row {
	deployment: string;
	side: string;
	n: number;
	answered: number;
	completed: number;
	p50: number;
	p99: number;
	/** Answers other than 201, by status (e.g. 503 under load). */
	refused: string;
	cpu: Side['cpuMs'];
}

/** `total` signups at `concurrency`, request i sent to urls[i % urls.length] (round robin, as a load balancer). */
async function spreadLoad(urls: string[], emails: string[], concurrency: number): Promise<LoadResult> {
	const statuses: number[] = new Array(emails.length);
	const latenciesMs: number[] = new Array(emails.length);
	const bodies: LoadResult['bodies'] = new Array(emails.length);
	let next = 0;
	const started = performance.now();
	const worker = async () => {
		for (let i = next++; i < emails.length; i = next++) {
			const t0 = performance.now();
			try {
				const res = await fetch(urls[i % urls.length]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: signupBody(emails[i]!) });
				await res.arrayBuffer();
				statuses[i] = res.status;
			} catch {
				statuses[i] = 0; // no answer at all: recorded, never dropped
			}
			latenciesMs[i] = performance.now() - t0;
			bodies[i] = {};
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return { statuses, latenciesMs, bodies, elapsedMs: performance.now() - started };
}

/** The answers other than 201, e.g. "503×12", or "none". */
function refusedOf(results: LoadResult[]): string {
	const counts = new Map<number, number>();
	for (const status of results.flatMap((r) => r.statuses)) if (status !== 201) counts.set(status, (counts.get(status) ?? 0) + 1);
	return [...counts].map(([status, count]) => `${status}×${count}`).join(', ') || 'none';
}

async function finishedRuns(n8n: QueueE2e, workflowId: string): Promise<number> {
	return (await n8n.executions(workflowId)).filter((e) => e.status !== 'running' && e.status !== 'new' && e.status !== 'waiting').length;
}

async function waitForRuns(n8n: QueueE2e, workflowId: string, count: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while ((await finishedRuns(n8n, workflowId)) < count) {
		if (Date.now() > deadline) throw new Error(`${workflowId}: ${count} runs not finished within ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 1_000));
	}
}

async function benchDeployment(deployment: string): Promise<Row[]> {
	const webhookProcessors = deployment === 'queue-2' ? 2 : 1;
	const n8n = await startQueueE2e({
		workflows: [signupTemplate({ launch: 'bench-template' }), launchDayWorkflow(1.1, LAUNCH_DAY_ID, 'bench-launch-11', 'b0000000-0000-4000-8000-0000000000bb'), BARE_WORKFLOW],
		credentials: FAKE_VENDOR_CREDENTIALS,
		vendorFakes: {},
		env: QUEUE_BURST_N8N_ENV,
		mode: deployment === 'regular' ? 'regular' : 'queue',
		webhookProcessors,
	});
	try {
		const { cluster } = n8n;
		const cpuNow = () => ({
			webhook: cluster.webhooks.reduce((sum, p) => sum + cpuMsOf(p.process.pid!), 0),
			workers: cluster.workers.reduce((sum, p) => sum + cpuMsOf(p.process.pid!), 0),
			main: deployment === 'regular' ? 0 : cpuMsOf(cluster.main.process.pid!),
		});
		const side = (name: string, path: string, workflowId: string, waitForRuns: boolean): Side => ({ name, path, workflowId, waitForRuns, results: [], completedMs: 0, cpuMs: { webhook: 0, workers: 0, main: 0 } });
		const sides = [
			side('bare Webhook → Respond', 'bench-bare', BARE_WORKFLOW.id, false),
			side('launch-day capture, trigger 1.1, JSON', 'bench-launch-11', LAUNCH_DAY_ID, false),
			side('signup template (normal, trigger 1)', 'waitlist-signup', SIGNUP_ID, true),
		];
		// Warm-up on every processor: first requests load node code and prepare statements.
		let warmRuns = 0;
		for (const s of sides) {
			const warm = await spreadLoad(n8n.webhookUrls(s.path), signupPlan(40, 0, `warm-${deployment}-${s.path}`).emails, 5);
			if (s.waitForRuns) warmRuns = warm.statuses.filter((status) => status === 201).length;
		}
		await waitForRuns(n8n, SIGNUP_ID, warmRuns, 600_000);
		const per = Math.ceil(N / SLICES);
		const loads = [loadAverage()];
		const startedAt = new Date();
		for (let slice = 0; slice < SLICES; slice++) {
			for (const s of sides) {
				const done = s.waitForRuns ? await finishedRuns(n8n, s.workflowId) : 0;
				const cpuBefore = cpuNow();
				const started = performance.now();
				const result = await spreadLoad(n8n.webhookUrls(s.path), signupPlan(per, 0, `${deployment}-${slice}-${s.path}`).emails, CONCURRENCY);
				// A 503 ("try again in a moment": n8n or the trigger short of time) is counted, not thrown; it starts no run.
				s.results.push(result);
				if (s.waitForRuns) await waitForRuns(n8n, s.workflowId, done + result.statuses.filter((status) => status === 201).length, 1_800_000);
				s.completedMs += performance.now() - started;
				const cpuAfter = cpuNow();
				s.cpuMs.webhook += cpuAfter.webhook - cpuBefore.webhook;
				s.cpuMs.workers += cpuAfter.workers - cpuBefore.workers;
				s.cpuMs.main += cpuAfter.main - cpuBefore.main;
			}
			loads.push(loadAverage());
		}
		console.log(`  ${deployment}: ${startedAt.toISOString().slice(11, 16)}–${new Date().toISOString().slice(11, 16)} UTC, load average at the start and after each slice ${loads.join(' → ')}`);
		return sides.map((s) => {
			const latencies = s.results.flatMap((r) => r.latenciesMs);
			const answeredMs = s.results.reduce((sum, r) => sum + r.elapsedMs, 0);
			return {
				deployment,
				side: s.name,
				n: latencies.length,
				answered: (latencies.length / answeredMs) * 1000,
				completed: (latencies.length / s.completedMs) * 1000,
				p50: percentile(latencies, 50),
				p99: percentile(latencies, 99),
				refused: refusedOf(s.results),
				cpu: { webhook: s.cpuMs.webhook / latencies.length, workers: s.cpuMs.workers / latencies.length, main: s.cpuMs.main / latencies.length },
			};
		});
	} finally {
		await n8n.stop();
	}
}

const DEPLOYMENT_NAMES: Record<string, string> = {
	regular: 'regular mode (one n8n)',
	'queue-1': 'queue mode, 1 webhook processor',
	'queue-2': 'queue mode, 2 webhook processors',
};

async function main(): Promise<void> {
	const rows: Row[] = [];
	for (const deployment of DEPLOYMENTS) rows.push(...(await benchDeployment(deployment)));
	console.log(
		`\nn8n 2.41.1, n8n's database and the ledger on PostgreSQL, default engine with lazy acquisition (npm start's settings); queue mode: main + 2 workers (concurrency 10) + webhook processor(s), Redis. ${N} signups per side in ${SLICES} slices, concurrency ${CONCURRENCY}\n`,
	);
	console.log('| deployment | workflow | requests | not 201 | answered/s | completed/s | p50 ms | p99 ms | × regular (completed) | CPU ms / request: answering process(es) | workers | main |');
	console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
	for (const r of rows) {
		const regular = rows.find((x) => x.deployment === 'regular' && x.side === r.side);
		console.log(
			`| ${DEPLOYMENT_NAMES[r.deployment] ?? r.deployment} | ${r.side} | ${r.n} | ${r.refused} | ${r.answered.toFixed(1)} | ${r.completed.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${regular ? (r.completed / regular.completed).toFixed(2) : '–'} | ${r.cpu.webhook.toFixed(1)} | ${r.deployment === 'regular' ? '–' : r.cpu.workers.toFixed(1)} | ${r.deployment === 'regular' ? '–' : r.cpu.main.toFixed(1)} |`,
		);
	}
	console.log('\nIn regular mode the one n8n answers and runs everything (its CPU is all in the "answering" column). Completed = until every run the requests caused has ended.');
	for (const deployment of DEPLOYMENTS) {
		const bare = rows.find((r) => r.deployment === deployment && r.side.startsWith('bare'));
		const launchDay = rows.find((r) => r.deployment === deployment && r.side.startsWith('launch-day'));
		if (bare && launchDay) console.log(`${DEPLOYMENT_NAMES[deployment] ?? deployment}: launch-day capture / bare ${(launchDay.completed / bare.completed).toFixed(2)}× (completed/s)`);
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
