/**
 * The built pack, installed once per `npm test` run and copied into each e2e n8n's user folder.
 *
 * Installing it (`npm pack`, unpack, `npm install` of its own dependencies: `installPackInto` in
 * scripts/lib/n8n-instance.ts, the steps of n8n's Settings → Community Nodes) takes 4–15 s, and
 * every e2e and browser file starts at least one n8n. A copy of the installed nodes folder is the
 * same tree those steps leave. test/e2e/package-install.e2e.test.ts still installs the tarball into
 * its fresh n8n itself (`freshPackInstall`), since that install is what it tests.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { installPackInto } from '../../scripts/lib/n8n-instance';

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
