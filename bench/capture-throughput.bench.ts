/**
 * Signup throughput on one real n8n, in one run: the waitlist-signup template (normal mode), the same
 * template in spike mode, and a bare Webhook → Respond to Webhook workflow as the baseline (what n8n
 * itself costs per request). Same closed-loop load on each (`--n`, `--concurrency`), taken in
 * turns slice by slice so all three see the same machine; each side's runs finish before the next
 * side starts, so no backlog colours another side. Vendor APIs are the in-process fakes.
 *
 * The template answers before its execution runs (the ledger commit is the promise), so two rates
 * are printed for it: answered/s (what a visitor sees) and completed/s (until every execution,
 * vendor calls and acks included, has finished) — the honest sustained rate.
 *
 * It runs once per n8n expression engine (`--engines=vm,legacy`): n8n 2.41 evaluates expressions in
 * an isolated-vm isolate by default ("vm", pool of 1), and every request to a community webhook
 * trigger acquires that isolate for the whole webhook phase — only n8n's own Webhook node may skip it.
 * "legacy" is the in-process evaluator (N8N_EXPRESSION_ENGINE=legacy): faster, without the sandbox.
 *
 *   npm run bench -- capture-throughput [--n=600] [--concurrency=20] [--slices=3] [--engines=vm,legacy]
 */
import { startE2eN8n } from '../test/support/n8n-e2e';
import { percentile, runSignupLoad, signupPlan, type LoadResult } from '../test/support/signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../test/support/signup-template';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const N = arg('n', 600);
const CONCURRENCY = arg('concurrency', 20);
const SLICES = arg('slices', 3);
const ENGINES = (process.argv.find((a) => a.startsWith('--engines='))?.split('=')[1] ?? 'vm,legacy').split(',').filter(Boolean);

const BARE = {
	id: 'wlBenchBareHook1',
	name: 'Bench: bare webhook',
	nodes: [
		{ parameters: { httpMethod: 'POST', path: 'bench-bare', responseMode: 'responseNode', options: {} }, id: 'b0000000-0000-4000-8000-000000000001', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: 'b0000000-0000-4000-8000-0000000000aa' },
		{ parameters: { respondWith: 'json', responseBody: '={{ { "ok": true, "email": $json.body.email } }}', options: { responseCode: 201 } }, id: 'b0000000-0000-4000-8000-000000000002', name: 'Respond to Webhook', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.1, position: [220, 0] },
	],
	connections: { Webhook: { main: [[{ node: 'Respond to Webhook', type: 'main', index: 0 }]] } },
	settings: { executionOrder: 'v1' },
};

interface Side {
	name: string;
	path: string;
	workflowId: string;
	waitForExecutions: boolean;
	results: LoadResult[];
	completedMs: number;
}

async function main(): Promise<void> {
	for (const engine of ENGINES) await benchEngine(engine);
}

async function benchEngine(engine: string): Promise<void> {
	const n8n = await startE2eN8n({
		env: { N8N_EXPRESSION_ENGINE: engine },
		workflows: [
			signupTemplate({ launch: 'bench-template' }),
			signupTemplate({ id: 'wlBenchSpike0001', name: 'Bench: spike', path: 'bench-spike', webhookId: 'b0000000-0000-4000-8000-0000000000bb', spikeMode: true, launch: 'bench-spike' }),
			BARE,
		],
		credentials: FAKE_VENDOR_CREDENTIALS,
		vendorFakes: {},
	});
	try {
		const sides: Side[] = [
			{ name: 'bare Webhook → Respond', path: 'bench-bare', workflowId: BARE.id, waitForExecutions: false, results: [], completedMs: 0 },
			{ name: 'signup template (normal)', path: 'waitlist-signup', workflowId: 'wlSignupCapture1', waitForExecutions: true, results: [], completedMs: 0 },
			{ name: 'signup template (spike mode)', path: 'bench-spike', workflowId: 'wlBenchSpike0001', waitForExecutions: false, results: [], completedMs: 0 },
		];
		// Warm-up: first requests load node code and prepare statements.
		for (const side of sides) await runSignupLoad(n8n.webhookUrl(side.path), signupPlan(40, 0, `warm-${side.path}`).emails, 5);
		await n8n.waitForExecutions('wlSignupCapture1', 40, 600_000);
		const per = Math.ceil(N / SLICES);
		for (let slice = 0; slice < SLICES; slice++) {
			for (const side of sides) {
				const done = side.waitForExecutions ? n8n.executions(side.workflowId).filter((e) => e.status !== 'running' && e.status !== 'new').length : 0;
				const started = performance.now();
				// Fresh emails each slice: every signup is a new contact with two vendor syncs (the costly case).
				const result = await runSignupLoad(n8n.webhookUrl(side.path), signupPlan(per, 0, `b${slice}-${side.path}`).emails, CONCURRENCY);
				if (result.statuses.some((s) => s !== 201)) throw new Error(`${side.name}: unexpected statuses ${[...new Set(result.statuses)].join(', ')}`);
				side.results.push(result);
				if (side.waitForExecutions) await n8n.waitForExecutions(side.workflowId, done + per, 1_800_000);
				side.completedMs += performance.now() - started;
			}
		}
		const rows = sides.map((side) => {
			const latencies = side.results.flatMap((r) => r.latenciesMs);
			const answeredMs = side.results.reduce((sum, r) => sum + r.elapsedMs, 0);
			return {
				name: side.name,
				n: latencies.length,
				answered: (latencies.length / answeredMs) * 1000,
				completed: (latencies.length / side.completedMs) * 1000,
				p50: percentile(latencies, 50),
				p99: percentile(latencies, 99),
			};
		});
		const bare = rows[0]!;
		console.log(`\nn8n 2.41.1 on SQLite, expression engine "${engine}", ${N} signups per workflow in ${SLICES} slices (each side's backlog finished before the next), concurrency ${CONCURRENCY}\n`);
		console.log('| workflow | signups | answered/s | completed/s | p50 ms | p99 ms | ratio vs bare (completed) |');
		console.log('|---|---:|---:|---:|---:|---:|---:|');
		for (const r of rows) {
			console.log(`| ${r.name} | ${r.n} | ${r.answered.toFixed(1)} | ${r.completed.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${(r.completed / bare.completed).toFixed(2)} |`);
		}
		console.log(`\ntemplate/bare (completed): ${(rows[1]!.completed / bare.completed).toFixed(2)} (target ≥ 0.8); answered: ${(rows[1]!.answered / bare.answered).toFixed(2)}`);
		console.log(`spike/bare: ${(rows[2]!.completed / bare.completed).toFixed(2)}× (target ≥ 10×) [engine ${engine}]`);
	} finally {
		await n8n.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
