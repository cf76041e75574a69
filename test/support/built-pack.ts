/**
 * What every e2e n8n starts from, prepared once per `npm test` run and copied into each n8n's user
 * folder: the built pack installed, and an n8n database already created and migrated.
 *
 * The pack:
 *
 * Installing it (`npm pack`, unpack, `npm install` of its own dependencies: `installPackInto` in
 * scripts/lib/n8n-instance.ts, the steps of n8n's Settings → Community Nodes) takes 4–15 s, and
 * every e2e and browser file starts at least one n8n. A copy of the installed nodes folder is the
 * same tree those steps leave. test/e2e/package-install.e2e.test.ts still installs the tarball into
 * its fresh n8n itself (`freshPackInstall`), since that install is what it tests.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { findFreePort, installPackInto, n8nEnv } from '../../scripts/lib/n8n-instance';
import { ensureN8nRuntime, N8N_VERSION, type N8nRuntime } from '../../scripts/lib/n8n-runtime';
import { runN8nCli } from '../../scripts/lib/n8n-workflows';

/** Set by scripts/test.ts for its test processes: the installed nodes folder to copy. */
export const BUILT_PACK_ENV = 'WAITLIST_LEDGER_E2E_NODES';

/**
 * Installs the built dist/ into a folder of this run's own (two `npm test` runs in one clone must
 * not share it), removed when the process exits; returns the nodes folder to pass in BUILT_PACK_ENV.
 */
export async function installBuiltPackOnce(): Promise<string> {
	const folder = mkdtempSync(join(tmpdir(), 'wl-e2e-pack-'));
	process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
	await installPackInto(folder);
	return join(folder, '.n8n', 'nodes');
}

/** Puts the built pack into `<userFolder>/.n8n/nodes`: the run's installed copy if there is one, else installed now. */
export async function installBuiltPack(userFolder: string, { fresh = false }: { fresh?: boolean } = {}): Promise<void> {
	const installed = process.env[BUILT_PACK_ENV];
	if (fresh || !installed) {
		await installPackInto(userFolder);
		return;
	}
	cpSync(installed, join(userFolder, '.n8n', 'nodes'), { recursive: true });
}

/**
 * Set by scripts/test.ts: a user folder in which the pinned n8n has created and migrated its
 * database (and written its encryption key), to copy instead of migrating afresh.
 *
 * A fresh n8n database is migrated by the first n8n process that opens it (the harness's first
 * CLI import), a few seconds of CPU per e2e n8n, 10+ s on a loaded machine; every file starts at
 * least one. The copy is the folder as that first CLI call leaves it: no workflows, no credentials.
 */
export const MIGRATED_N8N_ENV = 'WAITLIST_LEDGER_E2E_N8N_FOLDER';

export async function prepareMigratedN8nOnce(): Promise<string> {
	const runtime = await ensureN8nRuntime();
	const folder = mkdtempSync(join(tmpdir(), 'wl-e2e-n8n-seed-'));
	process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
	// Any CLI command creates and migrates the database; listing the (no) workflows changes nothing else.
	await runN8nCli(runtime, n8nEnv(folder, await findFreePort(), await findFreePort()), ['list:workflow']);
	// One file to copy: the write-ahead log folded into the database.
	const db = new DatabaseSync(join(folder, '.n8n', 'database.sqlite'));
	try {
		db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
	} finally {
		db.close();
	}
	return folder;
}

/** Copies the run's migrated n8n folder into `userFolder` when there is one for `runtime`; says whether it did. */
export function copyMigratedN8n(userFolder: string, runtime: N8nRuntime): boolean {
	const seed = process.env[MIGRATED_N8N_ENV];
	// Only the n8n that migrated it may open it (the oldest n8n's e2e migrates its own).
	if (!seed || runtime.n8nVersion !== N8N_VERSION) return false;
	mkdirSync(join(userFolder, '.n8n'), { recursive: true });
	for (const file of ['config', 'database.sqlite']) cpSync(join(seed, '.n8n', file), join(userFolder, '.n8n', file));
	return true;
}
