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
 * Sides: the bare workflow; the template in normal mode; the same template in spike mode; the capture
 * trigger alone in spike mode (a launch-day capture workflow: n8n rebuilds every node of a workflow
 * for each request, so the template's 15 other nodes cost even when they never run); and n8n's own
 * floor for a community trigger — `GET …/snippet.js` of the spike-mode template's trigger, which n8n
 * routes exactly like a signup (webhook lookup, published workflow, the trigger's webhook()) and the
 * trigger answers from memory: no ledger, no validation, no run. No answer through n8n's webhook
 * path to a trigger in that workflow can be cheaper.
 *
 * It runs once per engine setting (`--engines=vm,legacy,vm+lazy`): "vm" is n8n 2.41's default
 * (expressions in a V8 isolate, created and disposed per run or webhook request that evaluates one —
 * the triggers are version-1 webhook nodes, for which n8n evaluates one expression per request),
 * "legacy" evaluates in-process without a sandbox.
 *
 *   npm run bench -- capture-throughput [--n=600] [--concurrency=20] [--slices=3] [--engines=vm,legacy,vm+lazy]
 */
import { startE2eN8n } from '../test/support/n8n-e2e';
import { percentile, runGetLoad, runSignupLoad, signupPlan, type LoadResult } from '../test/support/signup-load';
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
	/** 'get-snippet': GET …/snippet.js instead of a signup POST (the floor side). */
	load?: 'get-snippet';
	path: string;
	workflowId: string;
	waitForExecutions: boolean;
	results: LoadResult[];
	completedMs: number;
}

async function main(): Promise<void> {
	for (const engine of ENGINES) await benchEngine(engine);
}

/**
 * "vm" (n8n 2.41's default isolate engine) and "legacy" (in-process, no sandbox), each with n8n's own
 * pool settings; "vm+lazy" adds N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true and a pool of 4 (an isolate is
 * taken only when an expression is evaluated).
 */
function engineEnv(engine: string): Record<string, string> {
	const [name, ...flags] = engine.split('+');
	return {
		N8N_EXPRESSION_ENGINE: name!,
		...(flags.includes('lazy') ? { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true', N8N_EXPRESSION_ENGINE_POOL_SIZE: '4' } : {}),
	};
}

/** The capture trigger alone, in spike mode: a launch-day capture workflow with nothing after the trigger. */
function triggerAlone() {
	const wf = signupTemplate({ id: 'wlBenchAlone0001', name: 'Bench: trigger alone', path: 'bench-alone', webhookId: 'b0000000-0000-4000-8000-0000000000cc', spikeMode: true, launch: 'bench-alone' });
	return { ...wf, nodes: wf.nodes.filter((n) => n.type === 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger'), connections: {} };
}

async function benchEngine(engine: string): Promise<void> {
	const n8n = await startE2eN8n({
		env: engineEnv(engine),
		workflows: [
			signupTemplate({ launch: 'bench-template' }),
			signupTemplate({ id: 'wlBenchSpike0001', name: 'Bench: spike', path: 'bench-spike', webhookId: 'b0000000-0000-4000-8000-0000000000bb', spikeMode: true, launch: 'bench-spike' }),
			triggerAlone(),
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
			{ name: 'capture trigger alone (spike mode)', path: 'bench-alone', workflowId: 'wlBenchAlone0001', waitForExecutions: false, results: [], completedMs: 0 },
			{ name: "n8n's floor: GET …/snippet.js of the same trigger", load: 'get-snippet', path: 'bench-spike', workflowId: 'wlBenchSpike0001', waitForExecutions: false, results: [], completedMs: 0 },
		];
		// Warm-up: first requests load node code and prepare statements.
		for (const side of sides) {
			if (side.load === 'get-snippet') await runGetLoad(`${n8n.webhookUrl(side.path)}/snippet.js`, 40, 5);
			else await runSignupLoad(n8n.webhookUrl(side.path), signupPlan(40, 0, `warm-${side.path}`).emails, 5);
		}
		await n8n.waitForExecutions('wlSignupCapture1', 40, 600_000);
		const per = Math.ceil(N / SLICES);
		for (let slice = 0; slice < SLICES; slice++) {
			for (const side of sides) {
				const done = side.waitForExecutions ? n8n.executions(side.workflowId).filter((e) => e.status !== 'running' && e.status !== 'new').length : 0;
				const started = performance.now();
				// Fresh emails each slice: every signup is a new contact with two vendor syncs (the costly case).
				const result =
					side.load === 'get-snippet'
						? await runGetLoad(`${n8n.webhookUrl(side.path)}/snippet.js`, per, CONCURRENCY)
						: await runSignupLoad(n8n.webhookUrl(side.path), signupPlan(per, 0, `b${slice}-${side.path}`).emails, CONCURRENCY);
				const expected = side.load === 'get-snippet' ? 200 : 201;
				if (result.statuses.some((s) => s !== expected)) throw new Error(`${side.name}: unexpected statuses ${[...new Set(result.statuses)].join(', ')}`);
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
		console.log(`\nn8n 2.41.1 on SQLite, expression engine "${engine}" (${JSON.stringify(engineEnv(engine))}), ${N} signups per workflow in ${SLICES} slices (each side's backlog finished before the next), concurrency ${CONCURRENCY}\n`);
		console.log('| workflow | requests | answered/s | completed/s | p50 ms | p99 ms | ratio vs bare (completed) |');
		console.log('|---|---:|---:|---:|---:|---:|---:|');
		for (const r of rows) {
			console.log(`| ${r.name} | ${r.n} | ${r.answered.toFixed(1)} | ${r.completed.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${(r.completed / bare.completed).toFixed(2)} |`);
		}
		console.log(`\ntemplate/bare (completed): ${(rows[1]!.completed / bare.completed).toFixed(2)} (target ≥ 0.8); answered: ${(rows[1]!.answered / bare.answered).toFixed(2)}`);
		console.log(`spike/bare: ${(rows[2]!.completed / bare.completed).toFixed(2)}× (target ≥ 10×) [engine ${engine}]`);
		console.log(`spike/bare, capture trigger alone: ${(rows[3]!.completed / bare.completed).toFixed(2)}× (target ≥ 10×) [engine ${engine}]`);
		console.log(`floor/bare: ${(rows[4]!.completed / bare.completed).toFixed(2)}× — n8n's own cost per request to a community trigger that answers from memory (in the 16-node template); spike mode reaches ${((rows[2]!.completed / rows[4]!.completed) * 100).toFixed(0)} % of it`);
	} finally {
		await n8n.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
