/**
 * Runs `npm start` (scripts/start.ts) and `npm run status` (scripts/status.ts) as a user does, each
 * as its own process, with a throw-away data folder and free ports — what a fresh clone sees. The
 * pack must be built first (`npm test` builds it), so the script's own build step is skipped.
 *
 *   const app = await runNpmStart();
 *   console.log(app.banner);                      // what npm start printed once n8n was ready
 *   const report = await runStatus(app);          // npm run status against the same n8n and data
 *   await app.stop();                             // Ctrl-C
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PACKAGE_ROOT, findFreePort } from '../../scripts/lib/n8n-instance';

export interface NpmStart {
	baseUrl: string;
	port: number;
	/** WAITLIST_LEDGER_DATA_DIR: n8n's user folder and the ledger file live under it. */
	dataDir: string;
	ledgerPath: string;
	/** Everything npm start printed up to "Press Ctrl-C to stop." */
	banner: string;
	/** Everything it printed so far. */
	output(): string;
	/** Ctrl-C, as a user stops it; resolves with its exit code. Keeps the data folder. */
	stop(): Promise<number | null>;
	/** stop(), then deletes the data folder unless `keep`. */
	dispose(): Promise<void>;
}

const READY_LINE = 'Press Ctrl-C to stop.';

function scriptProcess(script: string, env: NodeJS.ProcessEnv): ChildProcess {
	// The test runner's Node (24) with tsx, as `npm start` runs it; its own process group, so a
	// stuck run can be ended with everything it started.
	return spawn(process.execPath, ['--import', 'tsx', join('scripts', script)], { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

export async function runNpmStart(options: { dataDir?: string; port?: number; env?: Record<string, string>; keep?: boolean; timeoutMs?: number } = {}): Promise<NpmStart> {
	const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wl-npm-start-'));
	const port = options.port ?? (await findFreePort());
	const env: NodeJS.ProcessEnv = {
		...process.env,
		WAITLIST_LEDGER_DATA_DIR: dataDir,
		N8N_PORT: String(port),
		WAITLIST_LEDGER_SKIP_BUILD: '1',
		N8N_LOG_LEVEL: 'warn',
		...options.env,
	};
	const child = scriptProcess('start.ts', env);
	let output = '';
	const onData = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-400_000);
	};
	child.stdout!.on('data', onData);
	child.stderr!.on('data', onData);
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

	const killGroup = () => {
		try {
			process.kill(-child.pid!, 'SIGKILL');
		} catch {
			// already gone
		}
	};
	const deadline = Date.now() + (options.timeoutMs ?? 420_000);
	while (!output.includes(READY_LINE)) {
		if (child.exitCode !== null) throw new Error(`npm start exited with code ${child.exitCode} before n8n was ready:\n${output.slice(-6000)}`);
		if (Date.now() > deadline) {
			killGroup();
			throw new Error(`npm start was not ready within ${(options.timeoutMs ?? 420_000) / 1000} s:\n${output.slice(-6000)}`);
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	const banner = output.slice(0, output.indexOf(READY_LINE) + READY_LINE.length);

	const stop = async (): Promise<number | null> => {
		if (child.exitCode !== null) return child.exitCode;
		child.kill('SIGINT');
		const timer = setTimeout(killGroup, 60_000);
		const code = await exited;
		clearTimeout(timer);
		return code;
	};
	return {
		baseUrl: `http://localhost:${port}`,
		port,
		dataDir,
		ledgerPath: join(dataDir, '.n8n', 'waitlist-ledger.sqlite'),
		banner,
		output: () => output,
		stop,
		async dispose() {
			await stop();
			if (!options.keep && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

/** `npm run status` against an n8n data folder (and the port its n8n listens on): what it printed and its exit code. */
export async function runStatus(target: { dataDir: string; port: number }, env: Record<string, string> = {}): Promise<{ stdout: string; code: number | null }> {
	const child = scriptProcess('status.ts', { ...process.env, WAITLIST_LEDGER_DATA_DIR: target.dataDir, N8N_PORT: String(target.port), ...env });
	let stdout = '';
	child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
	return { stdout, code };
}
