/**
 * Makes `n8n-workflow`, `n8n-core` and `n8n-nodes-base` resolve to the pinned n8n install that
 * `npm start` and the e2e tests run (scripts/lib/n8n-runtime.ts), for every module loaded after
 * this one — the pack's own nodes included. That is what happens inside real n8n too (it puts its
 * own modules on NODE_PATH for community packages), and it keeps one copy of each class, so
 * `instanceof NodeOperationError` holds across the pack and n8n-core.
 */
import Module from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runtimeDir } from '../../scripts/lib/n8n-runtime';

export const N8N_MODULES = join(runtimeDir(), 'node_modules');
const REDIRECTED = /^(n8n-workflow|n8n-core|n8n-nodes-base)(\/|$)/;

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: { paths?: string[] }) => string;
const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename & { waitlistPatched?: boolean } };

if (!moduleInternals._resolveFilename.waitlistPatched) {
	const original = moduleInternals._resolveFilename;
	const patched: ResolveFilename & { waitlistPatched?: boolean } = function (this: unknown, request, parent, isMain, options) {
		if (REDIRECTED.test(request)) return original.call(this, request, parent, isMain, { paths: [N8N_MODULES] });
		return original.call(this, request, parent, isMain, options);
	};
	patched.waitlistPatched = true;
	moduleInternals._resolveFilename = patched;
}

// n8n-core writes an instance config (encryption key) into the user folder on first import.
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'wl-n8n-core-'));
