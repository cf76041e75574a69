/**
 * End-to-end harness for n8n queue mode: main, workers and a webhook processor (the code
 * `npm run start:queue` uses, scripts/lib/n8n-queue.ts) on a throw-away user folder, a fresh n8n
 * database and a fresh ledger schema on the test PostgreSQL, the queue on the local Redis under a
 * prefix of its own. The vendor fakes (test/support/vendor-fakes.cjs) are preloaded in every process
 * and log to one file. One cluster per test file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

import { Client } from 'pg';

import { Ledger, openStore, type PostgresConfig } from '../../ledger';
import { ensureN8nRuntime, type N8nRuntime } from '../../scripts/lib/n8n-runtime';
import { PACKAGE_ROOT, findFreePort, importAndPublish, installPackInto, readWorkflowFiles, waitUntilReady } from '../../scripts/lib/n8n-instance';
import { ensureDatabase, ensureQueueServices, queueEnv, queueServicesFromEnv, startQueueCluster, type QueueCluster, type QueueSettings } from '../../scripts/lib/n8n-queue';
import { runN8nCli } from '../../scripts/lib/n8n-workflows';
import type { VendorRequest } from './n8n-e2e';
import { freshDatabase, PG_BASE, type TestDatabase } from './stores';

export interface QueueE2eOptions {
	workflows: Array<string | { id: string; name: string; nodes: unknown[]; connections: unknown }>;
	credentials?: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>;
	vendorFakes?: { failRate?: number; failFakes?: string[]; failMethods?: string[] };
	workers?: number;
	env?: Record<string, string>;
	/**
	 * 'regular': one n8n in regular mode on the same PostgreSQL (no workers, no webhook processor, no
	 * Redis) — the bench's comparison of runs n8n loses with its database on PostgreSQL.
	 */
	mode?: 'queue' | 'regular';
	/** Webhook processors in queue mode (1 unless given); requests are spread over them by the caller (`webhookUrls`). */
	webhookProcessors?: number;
}

export interface QueueExecution {
	id: string;
	workflowId: string;
	status: string;
	/** How n8n started it: 'webhook', 'trigger' (a schedule) … */
	mode: string;
	createdAt: number | null;
	startedAt: number | null;
	stoppedAt: number | null;
}

export interface QueueE2e {
	cluster: QueueCluster;
	userFolder: string;
	webhookUrl(path: string): string;
	/** The path's URL on every webhook processor (main's in regular mode), as a load balancer would spread requests. */
	webhookUrls(path: string): string[];
	executions(workflowId?: string): Promise<QueueExecution[]>;
	/** An execution's stored data as n8n keeps it (flatted JSON text), e.g. to find the ids its items carried. */
	executionData(id: string): Promise<string>;
	vendorRequests(): VendorRequest[];
	withLedger<T>(fn: (ledger: Ledger) => Promise<T>): Promise<T>;
	stop(): Promise<void>;
}

export async function startQueueE2e(options: QueueE2eOptions): Promise<QueueE2e> {
	const runtime: N8nRuntime = await ensureN8nRuntime();
	const userFolder = mkdtempSync(join(tmpdir(), 'wl-queue-n8n-'));
	const services = queueServicesFromEnv();
	await ensureQueueServices(services, userFolder, () => undefined);
	const suffix = randomBytes(5).toString('hex');
	const n8nDatabase = `wl_queue_n8n_${suffix}`;
	await ensureDatabase(services, n8nDatabase);
	const ledgerDb: TestDatabase = await freshDatabase('postgres');
	const schema = (ledgerDb.config as PostgresConfig).schema!;
	const ledgerUrl = `postgres://${encodeURIComponent(PG_BASE.user)}${PG_BASE.password ? `:${encodeURIComponent(PG_BASE.password)}` : ''}@${PG_BASE.host}:${PG_BASE.port}/${PG_BASE.database}?schema=${schema}`;
	const fakesLog = join(userFolder, 'vendor-requests.jsonl');
	const fakes = options.vendorFakes;
	const settings: QueueSettings = {
		services,
		n8nDatabase,
		ledgerUrl,
		encryptionKey: randomBytes(24).toString('hex'),
		bullPrefix: `wl-queue-${suffix}`,
		mainPort: await findFreePort(),
		webhookPort: await findFreePort(),
		extra: {
			N8N_LOG_LEVEL: 'warn',
			...(fakes
				? {
						NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${join(PACKAGE_ROOT, 'test', 'support', 'vendor-fakes.cjs')}`].filter(Boolean).join(' '),
						WL_FAKES_LOG: fakesLog,
						WL_FAKES_FAIL_RATE: String(fakes.failRate ?? 0),
						...(fakes.failFakes ? { WL_FAKES_FAIL_FAKES: fakes.failFakes.join(',') } : {}),
						...(fakes.failMethods ? { WL_FAKES_FAIL_METHODS: fakes.failMethods.join(',') } : {}),
					}
				: {}),
			...(options.env ?? {}),
		},
	};
	const cliEnv = { ...queueEnv(userFolder, settings, settings.mainPort, await findFreePort()), NODE_OPTIONS: process.env.NODE_OPTIONS ?? '' };
	let cluster: QueueCluster | undefined;
	const cleanUp = async () => {
		await cluster?.stop();
		await dropDatabase(n8nDatabase);
		await ledgerDb.drop();
		rmSync(userFolder, { recursive: true, force: true });
	};
	try {
		await installPackInto(userFolder);
		const files = options.workflows.map((wf, i) => {
			if (typeof wf === 'string') return isAbsolute(wf) ? wf : join(PACKAGE_ROOT, wf);
			const path = join(userFolder, `inline-${i}.json`);
			writeFileSync(path, JSON.stringify(wf));
			return path;
		});
		const workflows = readWorkflowFiles(files).map((wf) => ({ ...wf, draft: undefined }));
		if (options.credentials?.length) {
			const file = join(userFolder, 'credentials.json');
			writeFileSync(file, JSON.stringify(options.credentials));
			await runN8nCli(runtime, cliEnv, ['import:credentials', `--input=${file}`]);
		}
		await importAndPublish(runtime, cliEnv, workflows, { freshUserFolder: true });
		cluster = await startQueueCluster(runtime, userFolder, settings, { workers: options.workers ?? 2, regular: options.mode === 'regular', webhooks: options.webhookProcessors });
		const webhooks = workflows.flatMap((wf) => wf.webhookPaths);
		for (const processor of cluster.webhooks) {
			await waitUntilReady(processor, webhooks, 480_000);
			await waitUntilServing(processor.baseUrl, webhooks, 240_000);
		}
	} catch (error) {
		await cleanUp();
		throw error;
	}
	const webhookBase = `http://localhost:${options.mode === 'regular' ? settings.mainPort : settings.webhookPort}`;
	return {
		cluster: cluster!,
		userFolder,
		webhookUrl: (path) => `${webhookBase}/webhook/${path}`,
		webhookUrls: (path) => (options.mode === 'regular' ? [`${webhookBase}/webhook/${path}`] : cluster!.webhooks.map((p) => `http://localhost:${p.port}/webhook/${path}`)),
		async executions(workflowId) {
			const client = new Client({ ...PG_BASE, database: n8nDatabase });
			await client.connect();
			try {
				const { rows } = await client.query<{ id: string; workflowId: string; status: string; mode: string; createdAt: Date | null; startedAt: Date | null; stoppedAt: Date | null }>(
					`SELECT id, "workflowId", status, mode, "createdAt", "startedAt", "stoppedAt" FROM execution_entity ${workflowId ? 'WHERE "workflowId" = $1' : ''} ORDER BY id`,
					workflowId ? [workflowId] : [],
				);
				return rows.map((r) => ({
					id: String(r.id),
					workflowId: r.workflowId,
					status: r.status,
					mode: r.mode,
					createdAt: r.createdAt?.getTime() ?? null,
					startedAt: r.startedAt?.getTime() ?? null,
					stoppedAt: r.stoppedAt?.getTime() ?? null,
				}));
			} finally {
				await client.end();
			}
		},
		async executionData(id) {
			const client = new Client({ ...PG_BASE, database: n8nDatabase });
			await client.connect();
			try {
				const { rows } = await client.query<{ data: string }>('SELECT data FROM execution_data WHERE "executionId" = $1', [Number(id)]);
				return rows[0]?.data ?? '';
			} finally {
				await client.end();
			}
		},
		vendorRequests: () =>
			existsSync(fakesLog)
				? readFileSync(fakesLog, 'utf8')
						.split('\n')
						.filter(Boolean)
						.flatMap((line) => {
							try {
								return [JSON.parse(line) as VendorRequest];
							} catch {
								return []; // a line a SIGKILLed worker left half written
							}
						})
				: [],
		withLedger: async (fn) => {
			const ledger = new Ledger(await openStore(ledgerDb.config));
			try {
				return await fn(ledger);
			} finally {
				await ledger.close();
			}
		},
		stop: cleanUp,
	};
}

/**
 * A webhook processor answers /healthz before it can serve: it waits for /healthz/readiness (n8n's
 * database connected and migrated), then for a real request to each GET webhook (the hosted signup
 * form) answered by the workflow itself, not 404 or 503.
 */
async function waitUntilServing(base: string, webhooks: Array<{ method: string; path: string; base?: string }>, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	const answers = async (url: string, ok: (status: number) => boolean) => {
		try {
			const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
			await res.arrayBuffer();
			return ok(res.status);
		} catch {
			return false;
		}
	};
	const until = async (what: string, url: string, ok: (status: number) => boolean) => {
		while (!(await answers(url, ok))) {
			if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s`);
			await new Promise((r) => setTimeout(r, 500));
		}
	};
	await until('the webhook processor ready (/healthz/readiness 200)', `${base}/healthz/readiness`, (s) => s === 200);
	for (const hook of webhooks.filter((w) => w.method.toUpperCase() === 'GET' && (w.base ?? 'webhook') === 'webhook')) {
		await until(`GET /webhook/${hook.path} answered by its workflow`, `${base}/webhook/${hook.path}`, (s) => s === 200 || s === 401);
	}
}

async function dropDatabase(name: string): Promise<void> {
	const client = new Client({ ...PG_BASE, database: 'postgres' });
	await client.connect();
	try {
		await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
	} finally {
		await client.end();
	}
}
