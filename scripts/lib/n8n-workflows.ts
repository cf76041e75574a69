/**
 * Which workflows and credentials an n8n holds and which workflows are published, read through
 * n8n's own CLI — so whatever
 * database n8n is configured for in `env` (its SQLite file, or PostgreSQL with DB_TYPE=postgresdb)
 * is read the way n8n reads it, and only read.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { N8nRuntime } from './n8n-runtime';

const execFileAsync = promisify(execFile);

/**
 * `n8n list:workflow` prints one `id|name` line per workflow among its log lines; a name may hold
 * "|" itself, so only the first one separates.
 */
export function parseWorkflowList(stdout: string): { id: string; name: string }[] {
	const found: { id: string; name: string }[] = [];
	for (const line of stdout.split('\n')) {
		const m = /^([A-Za-z0-9_-]{1,36})\|(.*)$/.exec(line.trim());
		if (m) found.push({ id: m[1]!, name: m[2]! });
	}
	return found;
}

/**
 * Runs one n8n CLI command and returns what it printed. The CLI prints results (e.g. list:workflow)
 * and its failures (e.g. "connect ECONNREFUSED 127.0.0.1:5432") through its logger, so it runs at
 * info level; a failure's first line names the command and the cause, the full output follows.
 */
export async function runN8nCli(runtime: N8nRuntime, env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
	try {
		const { stdout } = await execFileAsync(runtime.nodeBin, [runtime.n8nEntry, ...args], { env: { ...env, N8N_LOG_LEVEL: 'info' }, maxBuffer: 64 * 1024 * 1024 });
		return stdout;
	} catch (error) {
		const e = error as { stdout?: string; stderr?: string; message: string };
		const lines = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').map((line) => line.trim());
		const detail = lines.find((line) => line !== '' && !line.startsWith('at ')) ?? e.message;
		throw new Error(`n8n ${args.join(' ')} failed: ${detail}\n${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
	}
}

/** A workflow as `n8n export:workflow` writes it (the fields npm start and status read). */
export interface ExportedWorkflow {
	id: string;
	name: string;
	nodes: Array<{
		id?: string;
		name: string;
		type: string;
		typeVersion: number;
		position?: [number, number];
		parameters?: Record<string, unknown>;
		credentials?: Record<string, { id: string | null; name: string } | string | null>;
		disabled?: boolean;
		webhookId?: string;
	}>;
	connections: unknown;
	settings?: Record<string, unknown>;
	meta?: Record<string, unknown> | null;
	/** Set while a version is published (n8n 2.x); null for a draft. */
	activeVersionId?: string | null;
	[key: string]: unknown;
}

/**
 * Runs an export command into a temporary file and parses it. n8n exits 1 with "No … found with
 * specified filters" when there is nothing to export: that is an empty list, not a failure.
 */
async function exportAll<T>(runtime: N8nRuntime, env: NodeJS.ProcessEnv, command: 'export:workflow' | 'export:credentials'): Promise<T[]> {
	const dir = mkdtempSync(join(tmpdir(), 'wl-n8n-export-'));
	const file = join(dir, 'export.json');
	try {
		await runN8nCli(runtime, env, [command, '--all', `--output=${file}`]);
		return JSON.parse(readFileSync(file, 'utf8')) as T[];
	} catch (error) {
		if (/No (workflows|credentials) found with specified filters/.test((error as Error).message)) return [];
		throw error;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** Every workflow with its current (editor) nodes and whether a version is published. */
export function exportWorkflows(runtime: N8nRuntime, env: NodeJS.ProcessEnv): Promise<ExportedWorkflow[]> {
	return exportAll<ExportedWorkflow>(runtime, env, 'export:workflow');
}

/**
 * The credentials n8n holds: id, name and type. The export is not decrypted (no `--decrypted`), and
 * nothing but those three fields is kept.
 */
export async function exportCredentials(runtime: N8nRuntime, env: NodeJS.ProcessEnv): Promise<Array<{ id: string; name: string; type: string }>> {
	const all = await exportAll<{ id: string; name: string; type: string }>(runtime, env, 'export:credentials');
	return all.map(({ id, name, type }) => ({ id, name, type }));
}
