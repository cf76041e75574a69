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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { loadCredentialCatalog } from './lib/n8n-credentials';
import { ensureN8nRuntime, type N8nRuntime } from './lib/n8n-runtime';
import {
	PACKAGE_NAME,
	PACKAGE_ROOT,
	assertPortFree,
	findFreePort,
	importWorkflowJson,
	installPackInto,
	listTemplateFiles,
	n8nEnv,
	readWorkflowFiles,
	startN8n,
	waitUntilReady,
} from './lib/n8n-instance';
import { ledgerUses, mixedLedgerWarnings, type WorkflowNodes } from './lib/ledger-choice';
import { exportCredentials, exportWorkflows, runN8nCli, type ExportedWorkflow } from './lib/n8n-workflows';
import { printBanner, ownerAccountExists } from './lib/start-banner';
import { START_STATE_FILE, planPublication, type PublicationPlan, type StartState } from './lib/template-publication';

function readState(file: string): StartState {
	if (!existsSync(file)) return { templates: {} };
	try {
		return JSON.parse(readFileSync(file, 'utf8')) as StartState;
	} catch {
		return { templates: {} };
	}
}

/** What n8n holds now. A fresh user folder has no database yet: nothing to read (and reading would create it twice at once). */
async function readN8n(runtime: N8nRuntime, env: NodeJS.ProcessEnv, dataDir: string) {
	const onPostgres = (env.DB_TYPE ?? '').startsWith('postgres');
	if (!onPostgres && !existsSync(join(dataDir, '.n8n', 'database.sqlite'))) return { workflows: [], credentials: [] };
	if (onPostgres) {
		// One CLI at a time: the first one may still be migrating a new database.
		const workflows = await exportWorkflows(runtime, env);
		return { workflows, credentials: await exportCredentials(runtime, env) };
	}
	const [workflows, credentials] = await Promise.all([exportWorkflows(runtime, env), exportCredentials(runtime, env)]);
	return { workflows, credentials };
}

async function carryOut(runtime: N8nRuntime, env: NodeJS.ProcessEnv, plan: PublicationPlan): Promise<void> {
	for (const id of plan.unpublish) await runN8nCli(runtime, env, ['unpublish:workflow', `--id=${id}`]);
	if (plan.imports.length) {
		console.log(`Importing ${plan.imports.length} workflow(s) …`);
		await importWorkflowJson(runtime, env, plan.imports.map((i) => i.json as { id: string }));
	}
	for (const outcome of plan.outcomes) {
		for (const { node, credential } of outcome.linked) console.log(`  "${outcome.file.name}": selected credential "${credential.name}" on "${node}"`);
	}
	if (plan.publish.length) console.log(`Publishing ${plan.publish.length} workflow(s) …`);
	for (const id of plan.publish) await runN8nCli(runtime, env, ['publish:workflow', `--id=${id}`]);
}

/** The published workflows as they will run (a template written now replaces what n8n held), checked for one ledger per launch. */
function warnOnMixedLedgers(held: readonly ExportedWorkflow[], plan: PublicationPlan): void {
	const imported = new Map(plan.imports.map((i) => [i.id, i.json as unknown as WorkflowNodes]));
	const publishedIds = new Set([...held.filter((w) => w.activeVersionId != null).map((w) => w.id), ...plan.publish]);
	for (const id of plan.unpublish) if (!plan.publish.includes(id)) publishedIds.delete(id);
	const workflows = [...publishedIds].map((id) => imported.get(id) ?? held.find((w) => w.id === id)).filter((w): w is WorkflowNodes => w !== undefined);
	for (const line of mixedLedgerWarnings(ledgerUses(workflows))) console.warn(line);
}

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
	const templates = readWorkflowFiles(listTemplateFiles());
	console.log('Reading workflows and credentials from n8n …');
	const held = await readN8n(runtime, env, dataDir);
	const stateFile = join(dataDir, '.n8n', START_STATE_FILE);
	const plan = planPublication({
		templates,
		inN8n: held.workflows,
		credentials: held.credentials,
		catalog: loadCredentialCatalog(runtime, join(packDir, 'dist'), PACKAGE_NAME),
		previous: readState(stateFile),
	});
	await carryOut(runtime, env, plan);
	writeFileSync(stateFile, JSON.stringify(plan.next, null, 2));
	warnOnMixedLedgers(held.workflows, plan);

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
