/**
 * Spawns a test worker process (a test/support/*-worker.ts script) behind a start barrier: the worker
 * opens the ledger, prints "ready", waits for "go" on stdin, does its work and prints its result as
 * JSON. Starting several and releasing them together is how the contract tests race OS processes.
 */
import { spawn } from 'node:child_process';

export interface BarrierWorker<T> {
	ready: Promise<void>;
	go(): void;
	result: Promise<T>;
}

export function startBarrierWorker<T>(script: string, args: object): BarrierWorker<T> {
	const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	let err = '';
	let markReady: () => void = () => undefined;
	const ready = new Promise<void>((resolve) => (markReady = resolve));
	child.stdout.on('data', (d: Buffer) => {
		out += d.toString();
		if (out.startsWith('ready\n')) markReady();
	});
	child.stderr.on('data', (d: Buffer) => (err += d.toString()));
	const result = new Promise<T>((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) reject(new Error(`${script} exited with ${code}: ${err}`));
			else resolve(JSON.parse(out.replace(/^ready\n/, '').trim()) as T);
		});
	});
	return { ready, go: () => child.stdin.end('go\n'), result };
}
