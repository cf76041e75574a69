/**
 * Templates into n8n the way `npm start` does it: read what n8n holds, plan what to import, select
 * credentials on and publish (scripts/lib/template-publication.ts), carry it out with n8n's CLI. Shared
 * by `npm start` and `npm run start:queue` (the CLI talks to n8n's database, SQLite or PostgreSQL).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadCredentialCatalog } from './n8n-credentials';
import type { N8nRuntime } from './n8n-runtime';
import { PACKAGE_NAME, importWorkflowJson, listTemplateFiles, readWorkflowFiles } from './n8n-instance';
import { ledgerUses, mixedLedgerWarnings, type WorkflowNodes } from './ledger-choice';
import { exportCredentials, exportWorkflows, runN8nCli, type ExportedWorkflow } from './n8n-workflows';
import { START_STATE_FILE, planPublication, type PublicationPlan, type StartState } from './template-publication';

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

/** Imports, links credentials and publishes the templates; returns the plan carried out. */
export async function prepareTemplates(runtime: N8nRuntime, env: NodeJS.ProcessEnv, dataDir: string, packDir: string): Promise<PublicationPlan> {
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
	return plan;
}
