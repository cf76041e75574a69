/**
 * Everything needed to run the pack inside a real n8n: install the built package where n8n loads
 * community packages, import and publish workflows, start and stop the process, wait for webhooks.
 * Used by `npm start` and by the end-to-end test harness (test/support/n8n-e2e.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { N8nRuntime } from './n8n-runtime';
import { parseWorkflowList, runN8nCli } from './n8n-workflows';

const execFileAsync = promisify(execFile);

export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-waitlist-ledger';

type Log = (line: string) => void;

/** Environment for a quiet, offline n8n that keeps everything under `userFolder`. */
export function n8nEnv(
	userFolder: string,
	port: number,
	brokerPort: number,
	extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
	return {
		...process.env,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_HOST: 'localhost',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		WEBHOOK_URL: `http://localhost:${port}/`,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		// The internal task runner's broker listens on its own port (5679 by default); two n8n
		// processes on one machine (npm start beside the tests) would collide on it.
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_SECURE_COOKIE: 'false',
		// n8n treats an unset NODE_ENV as development (@n8n/backend-common environment.ts): error
		// answers carry a `stacktrace` with server paths (response-helper.ts), every REST route gets a
		// CORS middleware, X-Frame-Options is off and the login rate limits are skipped. Everything a
		// visitor or payment provider reaches runs under production settings instead.
		NODE_ENV: 'production',
		N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'warn',
		// n8n runs every production execution at once by default. A signup burst (each signup starts
		// one execution after it is answered) then queues thousands of executions on n8n's own
		// database pool; its health ping waits behind them past its 5 s timeout and n8n answers
		// every request 503 "Database is not ready!" — signups refused. A limit keeps the backlog in
		// n8n's own queue instead (the signups are already committed to the ledger).
		// A run holds the person's email and phone. The templates keep only failed runs; n8n deletes runs
		// older than this many hours: 168 (7 days) unless you choose otherwise (README "What n8n keeps").
		EXECUTIONS_DATA_PRUNE: process.env.EXECUTIONS_DATA_PRUNE ?? 'true',
		EXECUTIONS_DATA_MAX_AGE: process.env.EXECUTIONS_DATA_MAX_AGE ?? '168',
		// With pruning on, n8n does not delete a run it was told not to keep at once: it marks it deleted,
		// and its data (the signup, the payment body) stays in the database until the next hard-delete
		// pass, every 15 minutes by default (executions-pruning.service.js). Every minute instead.
		EXECUTIONS_DATA_PRUNE_HARD_DELETE_INTERVAL: process.env.EXECUTIONS_DATA_PRUNE_HARD_DELETE_INTERVAL ?? '1',
		N8N_CONCURRENCY_PRODUCTION_LIMIT: process.env.N8N_CONCURRENCY_PRODUCTION_LIMIT ?? '10',
		// n8n pings its own database every 2 s and, when one ping waits more than 5 s, answers EVERY
		// request 503 "Database is not ready!" until a ping succeeds. On SQLite a burst of 50
		// concurrent webhooks queues n8n's own queries (several per request) for seconds: busy, not
		// down — yet the visitors' signups were refused. A longer ping timeout keeps n8n answering;
		// a database that is really gone still fails the ping and is still reported.
		DB_PING_TIMEOUT_MS: process.env.DB_PING_TIMEOUT_MS ?? '60000',
		// n8n 2.41 takes an expression sandbox for the webhook phase of every request to a community
		// trigger even when nothing evaluates an expression. Lazy acquisition takes one only when an
		// expression is evaluated: with the capture trigger at 1.1 that is what makes the launch-day
		// capture ten times the bare workflow (README "Launch day"; docs/benchmarks.md session 4).
		N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: process.env.N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE ?? 'true',
		N8N_EXPRESSION_ENGINE_POOL_SIZE: process.env.N8N_EXPRESSION_ENGINE_POOL_SIZE ?? '4',
		...extra,
	};
}

export async function assertPortFree(port: number): Promise<void> {
	await new Promise<void>((resolvePort, reject) => {
		const server = createServer();
		server.once('error', (error: NodeJS.ErrnoException) => {
			reject(
				error.code === 'EADDRINUSE'
					? new Error(
							`Port ${port} is already in use — is another n8n running? Stop it, or choose another port: N8N_PORT=5679 npm start`,
						)
					: error,
			);
		});
		server.listen(port, '127.0.0.1', () => server.close(() => resolvePort()));
	});
}

export async function findFreePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolvePort(port));
		});
	});
}

/** Packs the built package with `npm pack` (package.json "files" decides what goes in); returns the tarball's path. */
export async function packTarball(destination: string, packageRoot = PACKAGE_ROOT): Promise<string> {
	if (!existsSync(join(packageRoot, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
	mkdirSync(destination, { recursive: true });
	const { stdout } = await execFileAsync('npm', ['pack', '--json', '--pack-destination', destination, '--loglevel=error'], { cwd: packageRoot });
	const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
	return join(destination, packed!.filename);
}

/**
 * Installs a packed tarball into n8n's nodes folder (<user folder>/.n8n/nodes) with the steps n8n's
 * "Settings → Community Nodes" installer runs after it has fetched the tarball (n8n 2.0 to 2.41,
 * CommunityPackagesService.downloadPackage): unpack into node_modules/<name>, drop dev, peer and
 * optional dependencies from its package.json, `npm install` its own dependencies in that folder
 * (shallow, no scripts, no lock file), and list it in the nodes folder's package.json.
 */
export async function installTarball(nodesDir: string, tarball: string): Promise<string> {
	const target = join(nodesDir, 'node_modules', PACKAGE_NAME);
	rmSync(target, { recursive: true, force: true });
	mkdirSync(target, { recursive: true });
	await execFileAsync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
	const manifestPath = join(target, 'package.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
	for (const key of ['devDependencies', 'peerDependencies', 'optionalDependencies']) delete manifest[key];
	writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	await execFileAsync(
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=error'],
		{ cwd: target },
	);
	const nodesManifest = join(nodesDir, 'package.json');
	const current = existsSync(nodesManifest)
		? (JSON.parse(readFileSync(nodesManifest, 'utf8')) as { dependencies?: Record<string, string> })
		: {};
	writeFileSync(
		nodesManifest,
		JSON.stringify({ name: 'installed-nodes', private: true, ...current, dependencies: { ...current.dependencies, [PACKAGE_NAME]: String(manifest.version) } }, null, 2),
	);
	return target;
}

/**
 * Installs the built pack (dist/) the way n8n's "Settings → Community Nodes" does: the packed
 * tarball installed with `installTarball`. Skipped when the same build is already there.
 */
export async function installPackInto(userFolder: string, log: Log = () => undefined): Promise<string> {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const target = join(nodesDir, 'node_modules', PACKAGE_NAME);
	const packDir = join(nodesDir, '.pack');
	rmSync(packDir, { recursive: true, force: true });
	const tarball = await packTarball(packDir);
	const digest = createHash('sha256').update(readFileSync(tarball)).digest('hex');
	const stamp = join(target, '.installed-from');
	try {
		if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return target;
		log(`Installing the pack into ${target}`);
		await installTarball(nodesDir, tarball);
		writeFileSync(stamp, digest);
		return target;
	} finally {
		rmSync(packDir, { recursive: true, force: true });
	}
}

export interface WorkflowFile {
	id: string;
	name: string;
	path: string;
	/** `base` "form": an n8n Form Trigger, served under /form/ instead of /webhook/. */
	webhookPaths: Array<{ method: string; path: string; label?: string; base?: 'webhook' | 'form' }>;
	/**
	 * Imported but not published, with the reason shown to the user: a template meant to replace
	 * another one at a time of the user's choosing (the launch-day capture shares the signup
	 * template's URL, and n8n lets only one published workflow hold a URL). Set in the template's JSON
	 * as `meta.waitlistLedger.draft`.
	 */
	draft?: string;
	/**
	 * The id of the template this one stands in for while that one cannot be published (it waits for
	 * credentials): the launch-day capture holds the signup URL until the signup template's Kit and
	 * HubSpot credentials exist. Set as `meta.waitlistLedger.standsInFor`.
	 */
	standsInFor?: string;
}

interface WorkflowJson {
	id?: string;
	name?: string;
	meta?: { waitlistLedger?: { draft?: unknown; standsInFor?: unknown } };
	nodes?: Array<{ type: string; parameters?: Record<string, unknown>; webhookId?: string }>;
}

/** Reads workflow JSON files and lists their production webhook paths (for waiting and printing). */
export function readWorkflowFiles(paths: string[]): WorkflowFile[] {
	return paths.map((path) => {
		const json = JSON.parse(readFileSync(path, 'utf8')) as WorkflowJson;
		if (!json.id || json.id.length !== 16) throw new Error(`${path}: workflow "id" must be 16 characters (n8n requires it)`);
		const webhookPaths: WorkflowFile['webhookPaths'] = [];
		for (const node of json.nodes ?? []) {
			const path = node.parameters?.path;
			if (node.type === 'n8n-nodes-base.formTrigger') {
				// Form Trigger 2.2+ keeps its path under Options; without one the form lives at its webhook id.
				const options = node.parameters?.options as { path?: unknown } | undefined;
				const formPath = [path, options?.path, node.webhookId].find((p): p is string => typeof p === 'string' && p !== '');
				if (formPath) webhookPaths.push({ method: 'GET', path: formPath, label: 'form', base: 'form' });
			} else if (node.type.endsWith('.launchMonitorDashboardTrigger')) {
				// GET pages (and a POST "check now" on the dashboard's own path, registered with them).
				const base = typeof path === 'string' && path ? path : 'launch-monitor';
				webhookPaths.push(
					{ method: 'GET', path: base, label: 'launch monitor dashboard' },
					{ method: 'GET', path: `${base}/signals.json`, label: 'dashboard numbers as JSON' },
					{ method: 'GET', path: `${base}/metrics`, label: 'Prometheus metrics' },
					{ method: 'GET', path: `${base}/contacts.csv`, label: 'contacts CSV export' },
				);
			} else if (node.type.endsWith('.killSwitchPageTrigger')) {
				// A page (GET) whose form posts back to the same path.
				webhookPaths.push({ method: 'GET', path: typeof path === 'string' && path ? path : 'waitlist-kill-switch', label: 'kill-switch page' });
			} else if (node.type.endsWith('.reviewDeskPageTrigger')) {
				// The review desk: a page (GET) whose forms post back to the same path.
				webhookPaths.push({ method: 'GET', path: typeof path === 'string' && path ? path : 'waitlist-review', label: 'review desk' });
			} else if (typeof path === 'string' && path && (node.type.endsWith('Trigger') || node.type.endsWith('.webhook'))) {
				const method = typeof node.parameters?.httpMethod === 'string' ? node.parameters.httpMethod : 'POST';
				webhookPaths.push({ method, path });
				// The capture trigger also serves its hosted form and the landing-page snippet.
				if (node.type.endsWith('.waitlistCaptureTrigger')) {
					webhookPaths.push({ method: 'GET', path, label: 'hosted signup form' }, { method: 'GET', path: `${path}/snippet.js`, label: "landing-page snippet; list your landing page's site in the trigger's Options → Allowed Origins (CORS)" });
				}
			}
		}
		const { draft, standsInFor } = json.meta?.waitlistLedger ?? {};
		return {
			id: json.id,
			name: json.name ?? json.id,
			path,
			webhookPaths,
			...(typeof draft === 'string' && draft ? { draft } : {}),
			...(typeof standsInFor === 'string' && standsInFor ? { standsInFor } : {}),
		};
	});
}

export function listTemplateFiles(dir = join(PACKAGE_ROOT, 'workflows')): string[] {
	return readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => join(dir, f));
}

/**
 * Imports the workflows and publishes each one but drafts: n8n 2.x runs only the published version of a
 * workflow's webhooks. A workflow that already exists is unpublished first, because n8n refuses to
 * overwrite a published workflow from the CLI ("You do not have permission to deactivate"). Used by
 * the test harness, which imports exactly the workflows a test runs; `npm start` decides per
 * template (scripts/lib/template-publication.ts).
 *
 * Tests read finished runs from n8n's database, so by default every workflow imported here saves its
 * successful runs, whatever its own settings say (the schedule templates ship with
 * `saveDataSuccessExecution: "none"`); `saveSuccessfulRuns: false` keeps the workflows' own settings.
 */
export async function importAndPublish(
	runtime: N8nRuntime,
	env: NodeJS.ProcessEnv,
	workflows: WorkflowFile[],
	{ freshUserFolder = false, saveSuccessfulRuns = true }: { freshUserFolder?: boolean; saveSuccessfulRuns?: boolean } = {},
): Promise<void> {
	if (workflows.length === 0) return;
	if (!freshUserFolder) {
		const existing = new Set(parseWorkflowList(await runN8nCli(runtime, env, ['list:workflow'])).map((wf) => wf.id));
		for (const wf of workflows) if (existing.has(wf.id)) await runN8nCli(runtime, env, ['unpublish:workflow', `--id=${wf.id}`]);
	}
	await importWorkflowJson(
		runtime,
		env,
		workflows.map((wf) => {
			const json = JSON.parse(readFileSync(wf.path, 'utf8')) as { id: string; settings?: Record<string, unknown> };
			if (saveSuccessfulRuns) json.settings = { ...json.settings, saveDataSuccessExecution: 'all' };
			return json;
		}),
	);
	for (const wf of workflows) if (!wf.draft) await runN8nCli(runtime, env, ['publish:workflow', `--id=${wf.id}`]);
}

/** Imports workflow objects (each with its id) in one CLI call. Existing ones must not be published. */
export async function importWorkflowJson(runtime: N8nRuntime, env: NodeJS.ProcessEnv, workflows: Array<{ id: string }>): Promise<void> {
	if (workflows.length === 0) return;
	const staging = join(String(env.N8N_USER_FOLDER), '.import');
	rmSync(staging, { recursive: true, force: true });
	mkdirSync(staging, { recursive: true });
	// The templates carry no `active` and no `versionId`, as n8n 2.41 fills both in on import; n8n
	// 2.0's import writes the row as it is and fails on those NOT NULL columns (an n8n export has both).
	for (const wf of workflows) writeFileSync(join(staging, `${wf.id}.json`), JSON.stringify({ active: false, versionId: randomUUID(), ...wf }));
	try {
		await runN8nCli(runtime, env, ['import:workflow', '--separate', `--input=${staging}`]);
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}

/** A digest of a template file, to re-import a template only when it changed. */
export function digestOfFile(path: string): string {
	return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export interface StartedN8n {
	process: ChildProcess;
	baseUrl: string;
	port: number;
	stop(): Promise<void>;
	/** Everything n8n printed so far (also written to logFile). */
	output(): string;
}

export function startN8n(
	runtime: N8nRuntime,
	env: NodeJS.ProcessEnv,
	opts: { command?: string[]; logFile?: string; echo?: boolean } = {},
): StartedN8n {
	const port = Number(env.N8N_PORT);
	const child = spawn(runtime.nodeBin, [runtime.n8nEntry, ...(opts.command ?? ['start'])], {
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	const file = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : null;
	const onData = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-200_000);
		file?.write(chunk);
		if (opts.echo) process.stdout.write(chunk);
	};
	child.stdout!.on('data', onData);
	child.stderr!.on('data', onData);
	const exited = new Promise<void>((r) => child.once('exit', () => r()));
	return {
		process: child,
		port,
		baseUrl: `http://localhost:${port}`,
		output: () => output,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
				await exited;
				clearTimeout(timer);
			}
			file?.end();
		},
	};
}

async function sleep(ms: number): Promise<void> {
	await new Promise((r) => setTimeout(r, ms));
}

/**
 * /healthz answers before webhooks are registered, so wait for each workflow's own webhook. An
 * OPTIONS request has no side effects, and n8n lists the methods registered for the path in its
 * Access-Control-Allow-Methods header (just "OPTIONS" until the workflow is active).
 */
export async function waitUntilReady(
	n8n: StartedN8n,
	webhooks: Array<{ method: string; path: string; base?: 'webhook' | 'form' }>,
	timeoutMs = 120_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	const healthy = async (): Promise<boolean> => {
		try {
			const res = await fetch(`${n8n.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
			await res.arrayBuffer();
			return res.status === 200;
		} catch {
			return false;
		}
	};
	const registered = async (method: string, path: string, base: 'webhook' | 'form' = 'webhook'): Promise<boolean> => {
		try {
			if (base === 'form') {
				// A registered form answers its page (or asks for its Basic Auth); an unknown one is 404.
				const res = await fetch(`${n8n.baseUrl}/form/${path}`, { signal: AbortSignal.timeout(5_000) });
				await res.arrayBuffer();
				return res.status === 200 || res.status === 401;
			}
			// n8n only sets CORS headers for a cross-origin preflight, so send one.
			const res = await fetch(`${n8n.baseUrl}/webhook/${path}`, {
				method: 'OPTIONS',
				headers: { Origin: n8n.baseUrl, 'Access-Control-Request-Method': method.toUpperCase() },
				signal: AbortSignal.timeout(5_000),
			});
			await res.arrayBuffer();
			const allowed = (res.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim().toUpperCase());
			return allowed.includes(method.toUpperCase());
		} catch {
			return false;
		}
	};
	const giveUpIfDead = (what: string) => {
		if (n8n.process.exitCode !== null) throw new Error(`n8n exited with code ${n8n.process.exitCode}:\n${n8n.output().slice(-4000)}`);
		if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s. Last output:\n${n8n.output().slice(-4000)}`);
	};
	while (!(await healthy())) {
		giveUpIfDead('n8n did not answer /healthz');
		await sleep(250);
	}
	for (const { method, path, base } of webhooks) {
		while (!(await registered(method, path, base))) {
			giveUpIfDead(`The webhook ${method} /${base ?? 'webhook'}/${path} was not registered`);
			await sleep(250);
		}
	}
}
