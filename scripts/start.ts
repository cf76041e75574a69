/**
 * `npm start`: a real n8n on http://localhost:5678 with this pack and every template loaded, on
 * n8n's embedded SQLite, with the ledger on its embedded SQLite default. Data stays in .n8n-local/
 * (or WAITLIST_LEDGER_DATA_DIR) between runs.
 *
 * Only what can work is published: a template whose vendor credentials are missing stays a draft
 * (the banner names each credential and where to create it), and the launch-day capture holds the
 * signup URL meanwhile, so signups are kept from the first minute. Each start selects credentials
 * created since on the nodes waiting for them and publishes what became complete.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ensureN8nRuntime } from './lib/n8n-runtime';
import { PACKAGE_ROOT, assertPortFree, findFreePort, installPackInto, n8nEnv, startN8n, waitUntilReady } from './lib/n8n-instance';
import { prepareTemplates } from './lib/prepare-templates';
import { printBanner, ownerAccountExists } from './lib/start-banner';

async function main(): Promise<void> {
	const port = Number(process.env.N8N_PORT ?? 5678);
	const dataDir = resolve(process.env.WAITLIST_LEDGER_DATA_DIR ?? join(PACKAGE_ROOT, '.n8n-local'));
	await assertPortFree(port);

	// Tests that run this script build the pack once beforehand.
	if (process.env.WAITLIST_LEDGER_SKIP_BUILD !== '1') {
		console.log('Building the pack …');
		execFileSync('n8n-node', ['build'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	}

	const runtime = await ensureN8nRuntime();
	mkdirSync(dataDir, { recursive: true });
	const packDir = await installPackInto(dataDir, (line) => console.log(line));

	const env = n8nEnv(dataDir, port, await findFreePort(), { N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info' });
	const plan = await prepareTemplates(runtime, env, dataDir, packDir);

	// The port may have been taken while we were installing.
	await assertPortFree(port);
	const logFile = join(dataDir, 'n8n.log');
	console.log(`Starting n8n on port ${port} (its log: ${logFile}) …`);
	const n8n = startN8n(runtime, env, { logFile });

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping n8n …`);
		await n8n.stop();
		console.log('n8n stopped. Your data is kept; `npm start` again picks it up.');
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('Ctrl-C'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
	n8n.process.once('exit', (code) => {
		if (stopping) return;
		console.error(`n8n exited unexpectedly (code ${code}). Last lines of its log:\n${n8n.output().slice(-3000)}`);
		process.exit(1);
	});

	const published = plan.outcomes.filter((o) => o.status === 'published').map((o) => o.file);
	await waitUntilReady(
		n8n,
		published.flatMap((wf) => wf.webhookPaths),
		180_000,
	);
	printBanner({
		baseUrl: `http://localhost:${port}`,
		ownerExists: await ownerAccountExists(`http://localhost:${port}`),
		outcomes: plan.outcomes,
		dataDir,
		logFile,
	});
}

main().catch((error: unknown) => {
	console.error(`\nnpm start failed: ${(error as Error).message}`);
	process.exit(1);
});
