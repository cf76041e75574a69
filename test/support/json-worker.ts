import { spawn } from 'node:child_process';

/**
 * Runs a worker script (test/support/*-worker.ts) in its own OS process with one JSON argument and
 * reads the one JSON line it prints — for races across processes. A worker that exits non-zero
 * rejects with its stderr.
 */
export function runJsonWorker<T>(script: string, args: object): Promise<T> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr.on('data', (d: Buffer) => (err += d.toString()));
		child.on('error', reject);
		child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as T) : reject(new Error(`worker exited with ${code}: ${err}`))));
	});
}
