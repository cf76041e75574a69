import { spawn, type ChildProcess } from 'node:child_process';

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

/**
 * A run worker process (test/support/outbox-run-worker.ts) standing for an n8n worker's signup runs:
 * told "go", it takes the claims over, reports the outcomes, then renews them until it is killed.
 */
export function startRunWorker(args: object): { child: ChildProcess; tookOver: Promise<string[]> } {
	const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/outbox-run-worker.ts', JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	let err = '';
	child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
	const tookOver = new Promise<string[]>((resolve, reject) => {
		child.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			if (out === 'ready\n') child.stdin!.end('go\n');
			const line = out.split('\n')[1];
			if (line) resolve((JSON.parse(line) as { outcomes: string[] }).outcomes);
		});
		child.on('exit', (code) => reject(new Error(`run worker exited (${code}) before taking over: ${err}`)));
	});
	return { child, tookOver };
}
