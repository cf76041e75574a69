/**
 * The real n8n that `npm start` and the end-to-end tests run, installed once per machine into a
 * cache folder outside this package's dependency tree (like Playwright's browsers), reused by every
 * clone. Override the folder with WAITLIST_LEDGER_N8N_CACHE.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Pinned to 2.41.1: 2.41.3 (latest) pins @n8n/agents@0.26.2, which the npm registry does not serve,
 * so it cannot install; 2.41.1 resolves. Tests and `npm start` must run the same n8n.
 */
export const N8N_VERSION = '2.41.1';
/** n8n 2.38+ requires Node 24; the runtime carries its own, so no system Node matters. */
export const RUNTIME_NODE_VERSION = '24.21.0';

/** An n8n version and the Node it runs on. */
export interface N8nRelease {
	n8n: string;
	node: string;
	/** npm `overrides` for the install, each with the reason (the runtime's package.json keeps both). */
	overrides?: Record<string, { use: string; because: string }>;
}

export const PINNED_N8N: N8nRelease = { n8n: N8N_VERSION, node: RUNTIME_NODE_VERSION };

/**
 * The oldest n8n the README claims, run by the tarball e2e beside the pinned one. 2.0.0 is the
 * first 2.x: the templates are published with `n8n publish:workflow` (draft / published versions
 * are 2.x), its community-package installer does what 2.41's does (npm pack, strip dev / peer
 * dependencies, `npm install` in the package folder), and it reads a webhook body at trigger
 * version 1.1 as 2.41 does. Its engines allow Node 20.19 to 24; it runs here on Node 22 (22.13+
 * has `node:sqlite` without a flag, which the embedded ledger needs; on Node 20 only a PostgreSQL
 * ledger works, and the nodes say so).
 */
export const OLDEST_SUPPORTED_N8N: N8nRelease = {
	n8n: '2.0.0',
	node: '22.23.3',
	overrides: {
		xlsx: {
			use: 'npm:@e965/xlsx@0.20.3',
			because:
				"n8n-nodes-base before 2.32 takes SheetJS from cdn.sheetjs.com, which this machine cannot reach; 2.32+ takes the same library from the npm registry as @e965/xlsx (used only by n8n's spreadsheet nodes, never by this pack)",
		},
	},
};

export interface N8nRuntime {
	dir: string;
	nodeBin: string;
	n8nEntry: string;
	/** The n8n version installed there. */
	n8nVersion: string;
}

export function runtimeDir(env: NodeJS.ProcessEnv = process.env, release: N8nRelease = PINNED_N8N): string {
	const root = env.WAITLIST_LEDGER_N8N_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n8n-nodes-waitlist-ledger');
	// The pinned runtime keeps its folder name, so a machine's existing install is reused.
	return join(root, release.node === RUNTIME_NODE_VERSION ? `n8n-${release.n8n}` : `n8n-${release.n8n}-node-${release.node}`);
}

function describe(dir: string, release: N8nRelease): N8nRuntime {
	return {
		dir,
		nodeBin: join(dir, 'node_modules', '.bin', 'node'),
		n8nEntry: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		n8nVersion: release.n8n,
	};
}

type Log = (line: string) => void;

function run(command: string, args: string[], cwd: string, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<void> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const keep = (chunk: Buffer) => {
			tail = (tail + chunk.toString()).slice(-4000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		// npm is silent for minutes on a cold install; a heartbeat shows it is alive.
		const heartbeat = setInterval(() => log(`  … ${command} ${args[0]} still running (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
		child.on('error', (error) => {
			clearInterval(heartbeat);
			reject(error);
		});
		child.on('close', (code) => {
			clearInterval(heartbeat);
			if (code === 0) resolve();
			else reject(new Error(`${command} ${args.join(' ')} failed with exit code ${code}:\n${tail}`));
		});
	});
}

async function withInstallLock<T>(dir: string, log: Log, work: () => Promise<T>): Promise<T> {
	const lock = `${dir}.lock`;
	const deadline = Date.now() + 20 * 60_000;
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch {
			// Another clone is installing. A lock older than 30 minutes belongs to a killed install.
			if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 30 * 60_000) {
				rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline) throw new Error(`Timed out waiting for another n8n install to finish (lock ${lock})`);
			log(`  waiting for another process that is installing n8n (${lock})`);
			await new Promise((r) => setTimeout(r, 5_000));
		}
	}
	try {
		return await work();
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

/** The installed runtime, or null when this machine has none yet (never installs). */
export function installedN8nRuntime(release: N8nRelease = PINNED_N8N): N8nRuntime | null {
	const dir = runtimeDir(process.env, release);
	const marker = join(dir, '.ready');
	return existsSync(marker) && readFileSync(marker, 'utf8').trim() === `${release.n8n} node ${release.node}` ? describe(dir, release) : null;
}

/** Returns the installed runtime, installing it first if this machine has none yet. */
export async function ensureN8nRuntime(log: Log = (line) => console.log(line), release: N8nRelease = PINNED_N8N): Promise<N8nRuntime> {
	const dir = runtimeDir(process.env, release);
	const runtime = describe(dir, release);
	const marker = join(dir, '.ready');
	const expected = `${release.n8n} node ${release.node}`;
	if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === expected) return runtime;

	mkdirSync(dir, { recursive: true });
	return withInstallLock(dir, log, async () => {
		if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === expected) return runtime;
		log(`Installing n8n ${release.n8n} (Node ${release.node}) into ${dir} (first run only; about 5–8 minutes, ~3 GB)`);
		writeFileSync(
			join(dir, 'package.json'),
			JSON.stringify(
				{
					name: 'waitlist-ledger-n8n-runtime',
					private: true,
					dependencies: { n8n: release.n8n, node: release.node },
					...(release.overrides
						? {
								overrides: Object.fromEntries(Object.entries(release.overrides).map(([name, o]) => [name, o.use])),
								overridesBecause: Object.fromEntries(Object.entries(release.overrides).map(([name, o]) => [name, o.because])),
							}
						: {}),
				},
				null,
				2,
			),
		);
		const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error'];
		// n8n's install scripts try to build native modules that download from the internet
		// (@confluentinc/kafka-javascript); only two packages need their scripts, run below.
		log('  [1/3] npm install n8n (downloads ~2,300 packages)');
		await run('npm', ['install', '--ignore-scripts', ...npmFlags], dir, log);
		log(`  [2/3] fetching Node ${release.node} for n8n`);
		await run('npm', ['rebuild', 'node', '--ignore-scripts=false', ...npmFlags], dir, log);
		const nodeDir = join(dir, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
		log('  [3/3] building sqlite3 for n8n\'s embedded database (about 2 minutes)');
		await run(
			'npm',
			['rebuild', 'sqlite3', '--ignore-scripts=false', '--build-from-source', `--nodedir=${nodeDir}`, ...npmFlags],
			dir,
			log,
			// node-gyp must compile against the runtime's Node 24, not whatever node is first on PATH.
			{ ...process.env, PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, npm_config_build_from_source: 'true' },
		);
		writeFileSync(marker, `${expected}\n`);
		log(`n8n ${release.n8n} is installed in ${dir}`);
		return runtime;
	});
}
