/**
 * End-to-end harness: a real n8n process (the pinned install `npm start` uses) with the built pack,
 * a free port and a throw-away user folder. One n8n serves a whole test file:
 *
 *   let n8n: E2eN8n;
 *   before(async () => { n8n = await startE2eN8n({ workflows: ['workflows/waitlist-signup.json'] }); });
 *   after(async () => n8n.stop());
 *   it('…', async () => {
 *     const res = await n8n.post('waitlist-signup', { email: 'a@b.co' });
 *     const executions = await n8n.waitForExecutions('wlSignupCapture1', 1);
 *   });
 *
 * The pack must be built first (`npm test` does it). Execution results are read from n8n's own
 * SQLite database, the same rows the editor's "Executions" list shows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { Ledger, openStore } from '../../ledger';
import { ensureN8nRuntime, N8N_VERSION, type N8nRelease, type N8nRuntime } from '../../scripts/lib/n8n-runtime';
import { runN8nCli } from '../../scripts/lib/n8n-workflows';
import {
	PACKAGE_ROOT,
	findFreePort,
	importAndPublish,
	n8nEnv,
	readWorkflowFiles,
	startN8n,
	waitUntilReady,
	type StartedN8n,
} from '../../scripts/lib/n8n-instance';
import { copyMigratedN8n, installBuiltPack } from './built-pack';

export interface E2eOptions {
	/** Workflow JSON files (paths relative to the package root, or absolute) or workflow objects. */
	workflows: Array<string | { id: string; name: string; nodes: unknown[]; connections: unknown }>;
	/** Workflow JSON files imported but not published (they may wait for credentials the test does not give). */
	drafts?: string[];
	/** Which n8n (and Node) runs; the pinned one by default. */
	release?: N8nRelease;
	/** Extra environment for the n8n process (e.g. WAITLIST_LEDGER_SQLITE_PATH, NODE_OPTIONS). */
	env?: Record<string, string>;
	/**
	 * Install the packed tarball into this n8n as n8n's community installer does, instead of copying
	 * the run's installed pack (test/support/built-pack.ts): for the test of that install itself.
	 */
	freshPackInstall?: boolean;
	/** Keep the user folder after stop (for debugging). */
	keep?: boolean;
	/**
	 * Fake Kit, HubSpot and the delivery host inside the n8n process (test/support/vendor-fakes.cjs,
	 * preloaded with NODE_OPTIONS). `failRate` 0..1 injects 500 / 429 / timeouts; `down` lists fakes
	 * that refuse every call (while `downFile` exists, if given). `failFakes` / `failMethods` narrow
	 * the fail rate to some fakes / HTTP methods (all by default).
	 */
	vendorFakes?: { failRate?: number; down?: string[]; downFile?: string; seed?: number; failFakes?: string[]; failMethods?: string[] };
	/**
	 * Credentials imported (`n8n import:credentials`, which encrypts `data`) before the workflows, so
	 * workflow JSON can reference them by id: `"credentials": { "convertKitApi": { "id": "…", "name": "…" } }`.
	 */
	credentials?: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>;
	/**
	 * false: each workflow keeps its own run-data settings (the templates keep no successful run). By
	 * default every imported workflow saves its successful runs, so tests can read them.
	 */
	saveSuccessfulRuns?: boolean;
	/** How long n8n may take to register the workflows' webhooks (600 s unless given: a loaded machine's start can take minutes). */
	readyTimeoutMs?: number;
}

/** One request a vendor fake received (a line of WL_FAKES_LOG). */
export interface VendorRequest {
	at: number;
	fake: 'kit' | 'hubspot' | 'delivery' | 'stripe' | 'kajabi' | 'discord' | 'lemonsqueezy' | 'thinkific' | 'mailerlite' | 'pipedrive' | 'teachable';
	method: string;
	path: string;
	body: unknown;
	headers: Record<string, string>;
	outcome: 'ok' | 'failed' | 'timeout';
	status?: number;
	/** On successful upserts: each record the call created or updated, as the vendor keys it (email lowercased). */
	upserts?: Array<{ email: string; id: number; created: boolean }>;
	/** On Teachable enroll / unenroll: the enrollment (user:course), which way, and whether it changed anything. */
	enrollment?: { key: string; enrolling: boolean; changed: boolean };
}

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
	mode: string;
	finished: boolean;
	/** Node name → items (json) per output of the node's last run. */
	nodes: Record<string, unknown[][]>;
	/** Node name → error message, for nodes that failed. */
	errors: Record<string, string>;
}

export interface E2eN8n {
	baseUrl: string;
	userFolder: string;
	/** The embedded ledger file n8n's nodes use when no credential is selected. */
	ledgerPath: string;
	runtime: N8nRuntime;
	process: StartedN8n;
	webhookUrl(path: string): string;
	post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
	executions(workflowId?: string): ExecutionSummary[];
	/** What the vendor fakes received so far, in order ([] without `vendorFakes`). */
	vendorRequests(): VendorRequest[];
	waitForExecutions(workflowId: string, count: number, timeoutMs?: number): Promise<ExecutionSummary[]>;
	/** Runs `fn` with a ledger opened on the n8n's embedded ledger file, closed afterwards. */
	withLedger<T>(fn: (ledger: Ledger) => Promise<T>): Promise<T>;
	stop(): Promise<void>;
}

// n8n stores execution data in "flatted" form (references as indexes into a flat array).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const flatted = (runtime: N8nRuntime) => require(join(runtime.dir, 'node_modules', 'flatted')) as { parse(text: string): unknown };

interface RunDataShape {
	resultData?: { runData?: Record<string, Array<{ data?: { main?: Array<Array<{ json: unknown }> | null> }; error?: { message?: string } }>> };
}

/** Each workflow's current version as a workflow-history row, as n8n's editor writes one on save. */
function recordWorkflowVersions(n8nDatabase: string, workflowIds: string[]): void {
	const db = new DatabaseSync(n8nDatabase);
	try {
		const insert = db.prepare(
			`INSERT INTO workflow_history (versionId, workflowId, nodes, connections, authors, name)
			 SELECT w.versionId, w.id, w.nodes, w.connections, 'n8n-nodes-waitlist-ledger tests', w.name FROM workflow_entity w
			 WHERE w.id = ? AND NOT EXISTS (SELECT 1 FROM workflow_history h WHERE h.versionId = w.versionId)`,
		);
		for (const id of workflowIds) insert.run(id);
	} finally {
		db.close();
	}
}

/**
 * Publishes imported workflows as `n8n publish:workflow --id=<id>` does in n8n 2.41
 * (WorkflowRepository.publishVersion: the workflow's current version, which must have its
 * workflow-history row, becomes the active one; `updatedAt` is touched), for all of them in one
 * transaction instead of one CLI start per workflow (each 5–11 s on a loaded machine). n8n is not
 * running yet, as for the CLI; it activates them when it starts.
 */
function publishImported(n8nDatabase: string, workflowIds: string[]): void {
	const db = new DatabaseSync(n8nDatabase);
	try {
		db.exec('BEGIN');
		const publish = db.prepare(
			`UPDATE workflow_entity SET active = 1, activeVersionId = versionId, updatedAt = CURRENT_TIMESTAMP
			 WHERE id = ? AND isArchived = 0
			   AND EXISTS (SELECT 1 FROM workflow_history h WHERE h.workflowId = workflow_entity.id AND h.versionId = workflow_entity.versionId)`,
		);
		for (const id of workflowIds) {
			if (Number(publish.run(id).changes) !== 1) throw new Error(`Workflow "${id}" could not be published: not imported, archived, or its current version has no history row`);
		}
		db.exec('COMMIT');
	} catch (error) {
		if (db.isTransaction) db.exec('ROLLBACK');
		throw error;
	} finally {
		db.close();
	}
}

/**
 * Where an n8n's start-up time goes, printed as one line per start or stop (npm test keeps each
 * file's output), so the CI time budget can be spent where it is needed.
 */
function stageClock(): { lap(stage: string): void; print(what: string): void } {
	const started = Date.now();
	let last = started;
	const laps: string[] = [];
	return {
		lap(stage) {
			const now = Date.now();
			laps.push(`${stage} ${((now - last) / 1000).toFixed(1)} s`);
			last = now;
		},
		print(what) {
			console.log(`[e2e harness] ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s (${laps.join(', ')})`);
		},
	};
}

export async function startE2eN8n(options: E2eOptions): Promise<E2eN8n> {
	const runtime = await ensureN8nRuntime(undefined, options.release);
	const stages = stageClock();
	const userFolder = mkdtempSync(join(tmpdir(), 'wl-e2e-n8n-'));
	if (copyMigratedN8n(userFolder, runtime)) stages.lap('migrated database copied');
	const port = await findFreePort();
	const ledgerPath = join(userFolder, '.n8n', 'waitlist-ledger.sqlite');
	const fakesLog = join(userFolder, 'vendor-requests.jsonl');
	const fakesEnv: Record<string, string> = options.vendorFakes
		? {
				// Preloaded before n8n's own modules, so nock patches node:http(s) before n8n's HTTP
				// clients capture it (see test/README.md, "Vendor hosts inside n8n").
				NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${join(PACKAGE_ROOT, 'test', 'support', 'vendor-fakes.cjs')}`].filter(Boolean).join(' '),
				WL_FAKES_LOG: fakesLog,
				WL_FAKES_FAIL_RATE: String(options.vendorFakes.failRate ?? 0),
				WL_FAKES_DOWN: (options.vendorFakes.down ?? []).join(','),
				...(options.vendorFakes.downFile ? { WL_FAKES_DOWN_FILE: options.vendorFakes.downFile } : {}),
				...(options.vendorFakes.seed !== undefined ? { WL_FAKES_SEED: String(options.vendorFakes.seed) } : {}),
				...(options.vendorFakes.failFakes ? { WL_FAKES_FAIL_FAKES: options.vendorFakes.failFakes.join(',') } : {}),
				...(options.vendorFakes.failMethods ? { WL_FAKES_FAIL_METHODS: options.vendorFakes.failMethods.join(',') } : {}),
			}
		: {};
	const env = n8nEnv(userFolder, port, await findFreePort(), { N8N_LOG_LEVEL: 'warn', ...fakesEnv, ...(options.env ?? {}) });

	await installBuiltPack(userFolder, { fresh: options.freshPackInstall });
	stages.lap('pack');
	const files = options.workflows.map((wf, i) => {
		if (typeof wf === 'string') return isAbsolute(wf) ? wf : join(PACKAGE_ROOT, wf);
		const path = join(userFolder, `inline-${i}.json`);
		writeFileSync(path, JSON.stringify(wf));
		return path;
	});
	// A test imports exactly the workflows it wants running: drafts (the launch-day capture) too.
	const workflows = readWorkflowFiles(files).map((wf) => ({ ...wf, draft: undefined }));
	const drafts = readWorkflowFiles((options.drafts ?? []).map((path) => (isAbsolute(path) ? path : join(PACKAGE_ROOT, path)))).map((wf) => ({
		...wf,
		draft: 'imported by the test, not published',
	}));
	if (options.credentials?.length) {
		const credentialsFile = join(userFolder, 'credentials.json');
		writeFileSync(credentialsFile, JSON.stringify(options.credentials));
		// The CLI initialises n8n's database on first use; the fakes are not needed for it.
		const cliEnv = { ...env, NODE_OPTIONS: process.env.NODE_OPTIONS ?? '' };
		await runN8nCli(runtime, cliEnv, ['import:credentials', `--input=${credentialsFile}`]);
		stages.lap('credentials');
	}
	if (runtime.n8nVersion === N8N_VERSION) {
		await importAndPublish(runtime, env, [...workflows.map((wf) => ({ ...wf, draft: 'published below' })), ...drafts], { freshUserFolder: true, saveSuccessfulRuns: options.saveSuccessfulRuns });
		publishImported(join(userFolder, '.n8n', 'database.sqlite'), workflows.map((wf) => wf.id));
	} else {
		// An older n8n (the oldest the README claims): n8n 2.0's `import:workflow` writes no
		// workflow-history row, and its `publish:workflow` publishes only a version that has one. The
		// editor writes that row when a user saves a workflow; the harness writes it the same way.
		await importAndPublish(runtime, env, [...workflows.map((wf) => ({ ...wf, draft: 'published below' })), ...drafts], { freshUserFolder: true, saveSuccessfulRuns: options.saveSuccessfulRuns });
		recordWorkflowVersions(join(userFolder, '.n8n', 'database.sqlite'), workflows.map((wf) => wf.id));
		for (const wf of workflows) await runN8nCli(runtime, env, ['publish:workflow', `--id=${wf.id}`]);
	}

	stages.lap('import and publish');

	const n8n = startN8n(runtime, env, { logFile: join(userFolder, 'n8n.log') });
	try {
		// Generous: at load 45 on two cores a start took 130 s and one missed 180 s. A dead n8n fails at once.
		await waitUntilReady(n8n, workflows.flatMap((wf) => wf.webhookPaths), options.readyTimeoutMs ?? 600_000);
	} catch (error) {
		await n8n.stop();
		throw error;
	}
	stages.lap('start until webhooks answer');
	stages.print(`n8n ${runtime.n8nVersion} on port ${port} ready`);
	const baseUrl = n8n.baseUrl;
	const dbPath = join(userFolder, '.n8n', 'database.sqlite');

	const executions = (workflowId?: string): ExecutionSummary[] => {
		if (!existsSync(dbPath)) return [];
		const db = new DatabaseSync(dbPath, { readOnly: true });
		try {
			const rows = db
				.prepare(
					`SELECT e.id, e.workflowId, e.status, e.mode, e.finished, d.data FROM execution_entity e
					 LEFT JOIN execution_data d ON d.executionId = e.id
					 ${workflowId ? 'WHERE e.workflowId = ?' : ''} ORDER BY e.id`,
				)
				.all(...(workflowId ? [workflowId] : [])) as Array<{ id: number; workflowId: string; status: string; mode: string; finished: number; data: string | null }>;
			return rows.map((row) => {
				const data = row.data ? (flatted(runtime).parse(row.data) as RunDataShape) : {};
				const nodes: ExecutionSummary['nodes'] = {};
				const errors: ExecutionSummary['errors'] = {};
				for (const [name, runs] of Object.entries(data.resultData?.runData ?? {})) {
					const last = runs[runs.length - 1];
					nodes[name] = (last?.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
					if (last?.error) errors[name] = last.error.message ?? 'error';
				}
				return { id: String(row.id), workflowId: row.workflowId, status: row.status, mode: row.mode, finished: Boolean(row.finished), nodes, errors };
			});
		} finally {
			db.close();
		}
	};

	return {
		baseUrl,
		userFolder,
		ledgerPath,
		runtime,
		process: n8n,
		webhookUrl: (path) => `${baseUrl}/webhook/${path}`,
		withLedger: async (fn) => {
			const ledger = new Ledger(await openStore({ driver: 'sqlite', path: ledgerPath }));
			try {
				return await fn(ledger);
			} finally {
				await ledger.close();
			}
		},
		post: (path, body, headers = {}) =>
			fetch(`${baseUrl}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...headers },
				body: typeof body === 'string' ? body : JSON.stringify(body),
			}),
		executions,
		vendorRequests: () =>
			existsSync(fakesLog)
				? readFileSync(fakesLog, 'utf8')
						.split('\n')
						.filter(Boolean)
						.map((line) => JSON.parse(line) as VendorRequest)
				: [],
		async waitForExecutions(workflowId, count, timeoutMs = 60_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const done = executions(workflowId).filter((e) => e.status !== 'running' && e.status !== 'new');
				if (done.length >= count) return done;
				if (Date.now() > deadline) {
					throw new Error(`Expected ${count} finished executions of ${workflowId}, saw ${done.length} within ${timeoutMs / 1000} s`);
				}
				await new Promise((r) => setTimeout(r, 200));
			}
		},
		async stop() {
			const stopping = stageClock();
			await n8n.stop();
			stopping.lap('stop');
			stopping.print(`n8n on port ${port} stopped`);
			if (!options.keep) rmSync(userFolder, { recursive: true, force: true });
		},
	};
}
