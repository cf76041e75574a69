/**
 * `npm test`: every suite, in order, against real parts — SQLite and PostgreSQL for the ledger,
 * n8n-core in-process for nodes and templates, a real n8n process end to end.
 *   npm test                 lint (the layering rules included), then all suites
 *   npm test -- lint         only the lint
 *   npm test -- contract e2e only those suites
 *   npm test -- test/e2e/capture.e2e.test.ts   only those files
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { ensureN8nRuntime, installedN8nRuntime, OLDEST_SUPPORTED_N8N } from './lib/n8n-runtime';
import { PACKAGE_ROOT } from './lib/n8n-instance';
import { BUILT_PACK_ENV, installBuiltPackOnce, MIGRATED_N8N_ENV, prepareMigratedN8nOnce } from '../test/support/built-pack';
import { assertPostgresReachable } from '../test/support/stores';

interface Suite {
	name: string;
	dir: string;
	description: string;
	/** Files at once within the suite's one test process (pooled suites run each file in a process of its own). */
	concurrency?: number;
	needsBuild?: boolean;
	needsN8n?: boolean;
	/**
	 * Its files run in one pool with the other pooled suites' files (POOL_CONCURRENCY at once), each
	 * in a test process of its own whose output is printed when it ends, with its time.
	 */
	pooled?: boolean;
}

const SUITES: Suite[] = [
	{ name: 'unit', dir: 'test/unit', description: 'pure functions, no database', concurrency: 2 },
	{ name: 'contract', dir: 'test/contract', description: 'the ledger on real SQLite and real PostgreSQL', concurrency: 2 },
	{ name: 'node', dir: 'test/node', description: 'nodes and templates run in-process by n8n-core', concurrency: 2, needsN8n: true },
	{ name: 'e2e', dir: 'test/e2e', description: 'a real n8n process with the built pack', needsBuild: true, needsN8n: true, pooled: true },
	{ name: 'browser', dir: 'test/browser', description: 'headless Chromium against a real n8n', needsBuild: true, needsN8n: true, pooled: true },
];

/**
 * How many files of the pooled suites (e2e and browser) run at once. Each file starts its own n8n
 * on free ports with its own user folder and ledger, so files are independent; most of an e2e
 * file's time is waiting (n8n starting, schedules firing, vendors retried), so two at once on two
 * cores take about half the time of one after another. WAITLIST_LEDGER_TEST_CONCURRENCY overrides.
 */
const POOL_CONCURRENCY = Math.max(1, Number(process.env.WAITLIST_LEDGER_TEST_CONCURRENCY ?? 2) || 2);

/**
 * Files that take longest start first, so the pool does not end with one long file running alone
 * (the order of the longest files in the pooled run of 2026-12-05, on a machine at load 35–50);
 * files not listed follow in alphabetical order. The summary of each run lists every file's time.
 */
const LONGEST_FIRST: string[] = [
	'test/e2e/queue-mode.e2e.test.ts',
	'test/e2e/capture-load.e2e.test.ts',
	'test/e2e/vendor-swap.e2e.test.ts',
	'test/e2e/hostile-surfaces.e2e.test.ts',
	'test/e2e/outbox-fault.e2e.test.ts',
	'test/e2e/first-hour.e2e.test.ts',
	'test/browser/kill-switch.browser.test.ts',
	'test/e2e/phone-first.e2e.test.ts',
	'test/browser/capture.browser.test.ts',
	'test/e2e/launch-checklist.e2e.test.ts',
];

/** The e2e that also runs the oldest n8n the README claims (installed into the cache on first use). */
const OLDEST_N8N_TEST = 'test/e2e/package-install.e2e.test.ts';

/**
 * Starts installing the oldest n8n in a process of its own (a cold install takes minutes; the
 * suites before e2e run meanwhile); resolves with an error message, or null once it is ready.
 */
function installOldestN8nInBackground(): Promise<string | null> {
	const logFile = join(PACKAGE_ROOT, '.tmp', 'n8n-oldest-install.log');
	mkdirSync(join(PACKAGE_ROOT, '.tmp'), { recursive: true });
	console.log(`▶ installing n8n ${OLDEST_SUPPORTED_N8N.n8n} in the background for ${OLDEST_N8N_TEST} (log: ${relative(PACKAGE_ROOT, logFile)})`);
	const log = createWriteStream(logFile);
	const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'scripts', 'install-n8n.ts'), 'oldest'], {
		cwd: PACKAGE_ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout.pipe(log);
	child.stderr.pipe(log);
	return new Promise((resolve) => {
		child.on('error', (error) => resolve(error.message));
		child.on('close', (code) => {
			log.end(() => resolve(code === 0 ? null : `installing n8n ${OLDEST_SUPPORTED_N8N.n8n} failed:\n${readFileSync(logFile, 'utf8').slice(-4000)}`));
		});
	});
}

function testFiles(dir: string): string[] {
	const abs = join(PACKAGE_ROOT, dir);
	if (!existsSync(abs)) return [];
	const found: string[] = [];
	for (const entry of readdirSync(abs)) {
		const path = join(abs, entry);
		if (statSync(path).isDirectory()) found.push(...testFiles(relative(PACKAGE_ROOT, path)));
		else if (entry.endsWith('.test.ts')) found.push(relative(PACKAGE_ROOT, path));
	}
	return found.sort();
}

async function main(): Promise<void> {
	const args = process.argv.slice(2);
	const fileArgs = args.filter((a) => a.endsWith('.ts'));
	const suiteArgs = args.filter((a) => !a.endsWith('.ts'));
	const selected = SUITES.filter((s) =>
		fileArgs.length ? fileArgs.some((f) => f.startsWith(s.dir)) : suiteArgs.length === 0 || suiteArgs.includes(s.name),
	);

	// The layers (ARCHITECTURE.md) are lint rules: a crossed layer fails the run before any suite.
	const summary: string[] = [];
	if (fileArgs.length === 0 && (suiteArgs.length === 0 || suiteArgs.includes('lint'))) {
		console.log('▶ lint (n8n-node lint: eslint with the layering rules)');
		const started = Date.now();
		const lint = spawnSync('n8n-node', ['lint'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
		const ok = lint.status === 0;
		summary.push(`  ${'lint'.padEnd(9)} ${ok ? 'passed' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)`);
		if (!ok) {
			console.log(`\nSuites:\n${summary.join('\n')}`);
			process.exit(1);
		}
	}
	if (selected.length === 0) {
		console.log(`\nSuites:\n${summary.join('\n')}`);
		return;
	}

	await assertPostgresReachable();
	if (selected.some((s) => s.needsBuild)) {
		console.log('▶ build (n8n-node build)');
		execFileSync('n8n-node', ['build'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
		// Packed and installed once (as Settings → Community Nodes does); each e2e n8n gets a copy.
		testEnv[BUILT_PACK_ENV] = await installBuiltPackOnce();
	}
	const runsOldestN8n = selected.some((s) => (fileArgs.length ? fileArgs : testFiles(s.dir)).includes(OLDEST_N8N_TEST));
	const oldestInstall = runsOldestN8n && !installedN8nRuntime(OLDEST_SUPPORTED_N8N) ? installOldestN8nInBackground() : null;
	if (selected.some((s) => s.needsN8n)) await ensureN8nRuntime();
	if (selected.some((s) => s.needsBuild)) testEnv[MIGRATED_N8N_ENV] = await prepareMigratedN8nOnce();

	let failed = false;
	const pooled: PooledFile[] = [];
	const pooledSuites: Suite[] = [];
	for (const suite of selected) {
		const files = fileArgs.length ? fileArgs.filter((f) => f.startsWith(suite.dir)) : testFiles(suite.dir);
		if (files.length === 0) {
			summary.push(`  ${suite.name.padEnd(9)} no test files`);
			continue;
		}
		if (suite.pooled) {
			pooled.push(...files.map((file) => ({ file, suite: suite.name })));
			pooledSuites.push(suite);
			continue;
		}
		console.log(`\n▶ ${suite.name}: ${suite.description} (${files.length} file${files.length > 1 ? 's' : ''})`);
		const started = Date.now();
		const result = spawnSync(process.execPath, testArgs(files, suite.concurrency ?? 1), { cwd: PACKAGE_ROOT, stdio: 'inherit', env: testEnv });
		const seconds = Math.round((Date.now() - started) / 1000);
		const ok = result.status === 0;
		failed ||= !ok;
		summary.push(`  ${suite.name.padEnd(9)} ${ok ? 'passed' : 'FAILED'} (${files.length} files, ${seconds} s)`);
	}
	if (pooled.length) {
		const names = pooledSuites.map((s) => s.name).join(' + ');
		console.log(`\n▶ ${names}: ${pooledSuites.map((s) => s.description).join('; ')} (${pooled.length} file${pooled.length > 1 ? 's' : ''}, ${POOL_CONCURRENCY} at a time)`);
		const started = Date.now();
		const runs = await runPool(pooled, oldestInstall);
		const seconds = Math.round((Date.now() - started) / 1000);
		for (const suite of pooledSuites) {
			const own = runs.filter((r) => r.suite === suite.name);
			const ok = own.every((r) => r.ok);
			failed ||= !ok;
			const busy = own.reduce((sum, r) => sum + r.seconds, 0);
			summary.push(`  ${suite.name.padEnd(9)} ${ok ? 'passed' : 'FAILED'} (${own.length} files, ${busy} s of file time)`);
		}
		summary.push(`  ${names}: ${seconds} s wall, ${POOL_CONCURRENCY} files at a time`);
		summary.push(...[...runs].sort((a, b) => b.seconds - a.seconds).map((r) => `    ${String(r.seconds).padStart(5)} s  ${r.ok ? 'passed' : 'FAILED'}  ${r.file}`));
	}
	console.log(`\nSuites:\n${summary.join('\n')}`);
	if (failed) process.exit(1);
}

/**
 * A safety net for a test that hangs, not a measure: on a loaded machine (load 45 on two cores, two
 * e2e files at once) capture-load's 2,000 signups ran past 15 minutes.
 */
const TEST_TIMEOUT_MS = 30 * 60_000;

const testEnv: NodeJS.ProcessEnv = { ...process.env, WAITLIST_LEDGER_TEST: '1' };

function testArgs(files: string[], concurrency: number): string[] {
	return ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
}

interface PooledFile {
	file: string;
	suite: string;
}

interface FileRun extends PooledFile {
	ok: boolean;
	seconds: number;
}

/** LONGEST_FIRST first (in its order), then the rest alphabetically. */
function longestFirst(files: PooledFile[]): PooledFile[] {
	const rank = (f: PooledFile) => {
		const i = LONGEST_FIRST.indexOf(f.file);
		return i < 0 ? LONGEST_FIRST.length : i;
	};
	return [...files].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
}

/** One test file in a test process of its own; its output is printed in one piece when it ends (and kept in .tmp/test-logs/). */
function runFile(item: PooledFile): Promise<FileRun> {
	const started = Date.now();
	const logDir = join(PACKAGE_ROOT, '.tmp', 'test-logs');
	mkdirSync(logDir, { recursive: true });
	const logFile = join(logDir, `${item.file.replace(/[/\\]/g, '_')}.log`);
	const chunks: Buffer[] = [];
	const child = spawn(process.execPath, testArgs([item.file], 1), { cwd: PACKAGE_ROOT, env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
	child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
	return new Promise((resolve) => {
		const finish = (ok: boolean, extra = '') => {
			const seconds = Math.round((Date.now() - started) / 1000);
			const output = Buffer.concat(chunks).toString() + extra;
			writeFileSync(logFile, output);
			console.log(`\n▶ ${item.file}: ${ok ? 'passed' : 'FAILED'} (${seconds} s; output in ${relative(PACKAGE_ROOT, logFile)})`);
			process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
			resolve({ ...item, ok, seconds });
		};
		child.on('error', (error) => finish(false, `\ncould not start the test process: ${error.message}\n`));
		child.on('close', (code) => finish(code === 0));
	});
}

/**
 * Runs the files POOL_CONCURRENCY at a time, longest first. The oldest n8n's e2e waits for that
 * n8n's background install while the other files run.
 */
async function runPool(files: PooledFile[], oldestInstall: Promise<string | null> | null): Promise<FileRun[]> {
	const queue = longestFirst(files);
	const running = new Map<string, number>();
	const runs: FileRun[] = [];
	let oldestSettled = oldestInstall === null;
	void oldestInstall?.then(() => (oldestSettled = true));
	const heartbeat = setInterval(() => {
		const now = Date.now();
		console.log(`  … running ${[...running].map(([file, started]) => `${file} (${Math.round((now - started) / 1000)} s)`).join(', ')}; ${queue.length} waiting`);
	}, 60_000);
	const worker = async (): Promise<void> => {
		for (;;) {
			let index = queue.findIndex((f) => oldestSettled || f.file !== OLDEST_N8N_TEST);
			if (index < 0) index = queue.length ? 0 : -1;
			if (index < 0) return;
			const [item] = queue.splice(index, 1) as [PooledFile];
			if (item.file === OLDEST_N8N_TEST && oldestInstall) {
				const started = Date.now();
				const failure = await oldestInstall;
				console.log(`▶ n8n ${OLDEST_SUPPORTED_N8N.n8n} ${failure ? 'could not be installed' : 'is installed'} (waited ${Math.round((Date.now() - started) / 1000)} s for it)`);
				if (failure) console.error(failure);
			}
			running.set(item.file, Date.now());
			runs.push(await runFile(item));
			running.delete(item.file);
		}
	};
	try {
		await Promise.all(Array.from({ length: Math.min(POOL_CONCURRENCY, queue.length) }, worker));
	} finally {
		clearInterval(heartbeat);
	}
	return runs;
}

main().catch((error: unknown) => {
	console.error(`npm test could not run: ${(error as Error).message}`);
	process.exit(1);
});
