/**
 * `npm test`: every suite, in order, against real parts — SQLite and PostgreSQL for the ledger,
 * n8n-core in-process for nodes and templates, a real n8n process end to end.
 *   npm test                 lint (the layering rules included), then all suites
 *   npm test -- lint         only the lint
 *   npm test -- contract e2e only those suites
 *   npm test -- test/e2e/capture.e2e.test.ts   only those files
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { ensureN8nRuntime, installedN8nRuntime, OLDEST_SUPPORTED_N8N } from './lib/n8n-runtime';
import { PACKAGE_ROOT } from './lib/n8n-instance';
import { assertPostgresReachable } from '../test/support/stores';

interface Suite {
	name: string;
	dir: string;
	description: string;
	concurrency: number;
	needsBuild?: boolean;
	needsN8n?: boolean;
}

const SUITES: Suite[] = [
	{ name: 'unit', dir: 'test/unit', description: 'pure functions, no database', concurrency: 2 },
	{ name: 'contract', dir: 'test/contract', description: 'the ledger on real SQLite and real PostgreSQL', concurrency: 2 },
	{ name: 'node', dir: 'test/node', description: 'nodes and templates run in-process by n8n-core', concurrency: 2, needsN8n: true },
	{ name: 'e2e', dir: 'test/e2e', description: 'a real n8n process with the built pack', concurrency: 1, needsBuild: true, needsN8n: true },
	{ name: 'browser', dir: 'test/browser', description: 'headless Chromium against a real n8n', concurrency: 1, needsBuild: true, needsN8n: true },
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
	}
	const runsOldestN8n = selected.some((s) => (fileArgs.length ? fileArgs : testFiles(s.dir)).includes(OLDEST_N8N_TEST));
	const oldestInstall = runsOldestN8n && !installedN8nRuntime(OLDEST_SUPPORTED_N8N) ? installOldestN8nInBackground() : null;
	if (selected.some((s) => s.needsN8n)) await ensureN8nRuntime();

	let failed = false;
	for (const suite of selected) {
		const files = fileArgs.length ? fileArgs.filter((f) => f.startsWith(suite.dir)) : testFiles(suite.dir);
		if (files.length === 0) {
			summary.push(`  ${suite.name.padEnd(9)} no test files`);
			continue;
		}
		if (oldestInstall && files.includes(OLDEST_N8N_TEST)) {
			const started = Date.now();
			const failure = await oldestInstall;
			console.log(`▶ n8n ${OLDEST_SUPPORTED_N8N.n8n} ${failure ? 'could not be installed' : 'is installed'} (waited ${Math.round((Date.now() - started) / 1000)} s for it)`);
			if (failure) console.error(failure);
		}
		console.log(`\n▶ ${suite.name}: ${suite.description} (${files.length} file${files.length > 1 ? 's' : ''})`);
		const started = Date.now();
		const result = spawnSync(
			process.execPath,
			[
				'--import',
				'tsx',
				'--test',
				'--test-reporter=spec',
				`--test-concurrency=${suite.concurrency}`,
				'--test-timeout=900000',
				...files,
			],
			{ cwd: PACKAGE_ROOT, stdio: 'inherit', env: { ...process.env, WAITLIST_LEDGER_TEST: '1' } },
		);
		const seconds = Math.round((Date.now() - started) / 1000);
		const ok = result.status === 0;
		failed ||= !ok;
		summary.push(`  ${suite.name.padEnd(9)} ${ok ? 'passed' : 'FAILED'} (${files.length} files, ${seconds} s)`);
	}
	console.log(`\nSuites:\n${summary.join('\n')}`);
	if (failed) process.exit(1);
}

main().catch((error: unknown) => {
	console.error(`npm test could not run: ${(error as Error).message}`);
	process.exit(1);
});
