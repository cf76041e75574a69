/**
 * `tsx scripts/install-n8n.ts [oldest]`: installs the pinned n8n, or the oldest one the README
 * claims (scripts/lib/n8n-runtime.ts OLDEST_SUPPORTED_N8N), into the machine's cache if it is not
 * there yet. `npm test` runs it for the oldest n8n in a process of its own while the suites before
 * e2e run, so a cold install overlaps them instead of adding its minutes to the run.
 */
import { ensureN8nRuntime, OLDEST_SUPPORTED_N8N, PINNED_N8N } from './lib/n8n-runtime';

const release = process.argv[2] === 'oldest' ? OLDEST_SUPPORTED_N8N : PINNED_N8N;
const started = Date.now();
ensureN8nRuntime((line) => console.log(line), release).then(
	(runtime) => console.log(`n8n ${runtime.n8nVersion} ready in ${runtime.dir} (${Math.round((Date.now() - started) / 1000)} s)`),
	(error: unknown) => {
		console.error((error as Error).message);
		process.exit(1);
	},
);
