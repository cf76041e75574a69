/**
 * `npm run status`: a short launch report in the terminal — is n8n up, how many signed up today and
 * from where (with their UTMs), what was refused, what vendor work waits or fails (with the vendor's
 * own words), open review items, the kill switch, which workflows wait for which credential, and
 * the URLs of the launch pages once their workflows exist.
 *
 * Needs no login: the ledger is read through its facade from its file; node types from the file n8n
 * writes at start-up; workflows and credentials (id, name and type only) through n8n's own CLI, which
 * reads whatever database n8n uses (SQLite, or PostgreSQL when DB_TYPE=postgresdb is set as for
 * `npm start`) and only reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { defaultStoreConfig, Ledger, LEDGER_DATABASE_URL_ENV, openStore } from '../ledger';
import { computeLaunchReport, formatLaunchReport } from './lib/launch-report';
import { describeMissing, loadCredentialCatalog, missingCredentials, type CredentialCatalog } from './lib/n8n-credentials';
import { PACKAGE_NAME, PACKAGE_ROOT, findFreePort, listTemplateFiles, n8nEnv, readWorkflowFiles } from './lib/n8n-instance';
import { installedN8nRuntime, type N8nRuntime } from './lib/n8n-runtime';
import { ledgerUses, mixedLedgerWarnings } from './lib/ledger-choice';
import { exportCredentials, exportWorkflows, type ExportedWorkflow } from './lib/n8n-workflows';
import { WHERE_TO_CREATE_CREDENTIALS } from './lib/start-banner';

/** The launch pages other templates bring, found by template file name once they exist. */
const PAGES = [
	{ label: 'Launch dashboard', file: 'launch-monitor.json' },
	{ label: 'Kill switch', file: 'kill-switch.json' },
	{ label: 'Review desk', file: 'review-desk.json' },
];

async function n8nLine(port: number, dataDir: string): Promise<string> {
	let up = false;
	try {
		up = (await fetch(`http://localhost:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })).status === 200;
	} catch {
		up = false;
	}
	// n8n writes the node types it loaded to this file at start-up and serves it to the editor.
	const typesFile = join(dataDir, '.cache', 'n8n', 'public', 'types', 'nodes.json');
	let loaded = '';
	if (existsSync(typesFile)) {
		const types = JSON.parse(readFileSync(typesFile, 'utf8')) as Array<{ name: string }>;
		loaded = ` · ${types.filter((t) => t.name.startsWith(`${PACKAGE_NAME}.`)).length} nodes of ${PACKAGE_NAME} loaded`;
	}
	return `n8n            http://localhost:${port} — ${up ? 'up' : 'not answering (npm start runs it)'}${loaded}`;
}

async function ledgerReport(dataDir: string): Promise<string[]> {
	// The ledger the nodes use by default: WAITLIST_LEDGER_DATABASE_URL when set, else the embedded file.
	const fromUrl = Boolean(process.env[LEDGER_DATABASE_URL_ENV]?.trim());
	const ledgerFile = fromUrl ? LEDGER_DATABASE_URL_ENV : join(dataDir, '.n8n', 'waitlist-ledger.sqlite');
	if (!fromUrl && !existsSync(ledgerFile)) return ['', `Ledger: none yet at ${ledgerFile} (the first signup creates it).`];
	const ledger = new Ledger(await openStore(fromUrl ? defaultStoreConfig() : { driver: 'sqlite', path: ledgerFile }));
	try {
		const launches = (await ledger.contacts.countByLaunch()).map((l) => l.launch);
		const lines: string[] = [];
		for (const launch of launches.length ? launches : ['default']) lines.push('', ...formatLaunchReport(await computeLaunchReport(ledger, launch)));
		lines.push('', `  (today = since 00:00 local time · ledger ${ledgerFile})`);
		return lines;
	} finally {
		await ledger.close();
	}
}

function catalogFor(runtime: N8nRuntime, dataDir: string): CredentialCatalog | null {
	// The pack as n8n loads it; the checkout's build when npm start has not installed it yet.
	const installed = join(dataDir, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME, 'dist');
	const dist = existsSync(installed) ? installed : join(PACKAGE_ROOT, 'dist');
	try {
		return loadCredentialCatalog(runtime, dist, PACKAGE_NAME);
	} catch {
		return null;
	}
}

function pageLines(workflows: readonly ExportedWorkflow[], port: number): string[] {
	const lines = ['', 'Pages'];
	for (const page of PAGES) {
		const path = listTemplateFiles().find((f) => f.endsWith(`/${page.file}`));
		const label = page.label.padEnd(18);
		if (!path) {
			lines.push(`  ${label}not there yet (comes with workflows/${page.file})`);
			continue;
		}
		const [template] = readWorkflowFiles([path]);
		const inN8n = workflows.find((w) => w.id === template!.id);
		const urls = template!.webhookPaths.filter((h) => h.method === 'GET').map((h) => `http://localhost:${port}/${h.base ?? 'webhook'}/${h.path}`);
		if (!inN8n) lines.push(`  ${label}not imported yet: npm start imports workflows/${page.file}`);
		else if (inN8n.activeVersionId == null) lines.push(`  ${label}${urls.join(' · ') || '(no page URL)'}   — a draft: it answers once "${inN8n.name}" is published`);
		else lines.push(`  ${label}${urls.join(' · ') || '(no page URL)'}`);
	}
	return lines;
}

async function workflowReport(dataDir: string, port: number): Promise<string[]> {
	const onPostgres = (process.env.DB_TYPE ?? '').startsWith('postgres');
	const dbFile = join(dataDir, '.n8n', 'database.sqlite');
	// Never let the CLI create an empty database where npm start has not made one yet.
	if (!onPostgres && !existsSync(dbFile)) return ['', `Workflows: no n8n database yet at ${dbFile}; run npm start first.`];
	const runtime = installedN8nRuntime();
	if (!runtime) return ['', 'Workflows: the pinned n8n is not installed yet; npm start installs it.'];
	let workflows: ExportedWorkflow[];
	let credentials: Array<{ id: string; name: string; type: string }>;
	try {
		const env = n8nEnv(dataDir, port, await findFreePort());
		[workflows, credentials] = await Promise.all([exportWorkflows(runtime, env), exportCredentials(runtime, env)]);
	} catch (error) {
		const reason = (error as Error).message.split('\n')[0];
		const hint = onPostgres
			? 'n8n is set to PostgreSQL (DB_TYPE): run this with the same DB_POSTGRESDB_* settings as npm start, and check that the database answers.'
			: `check that ${dbFile} is readable.`;
		return ['', `Workflows: n8n's CLI could not read them (${reason}); ${hint}`];
	}
	const catalog = catalogFor(runtime, dataDir);
	const lines = ['', `Workflows (${workflows.length}, from n8n's ${onPostgres ? 'PostgreSQL' : 'SQLite'} database)`];
	let anyMissing = false;
	for (const wf of [...workflows].sort((a, b) => a.name.localeCompare(b.name))) {
		const missing = catalog ? missingCredentials(wf, catalog, credentials) : [];
		lines.push(`  ${wf.activeVersionId != null ? 'published' : 'draft    '}  ${wf.name}${missing.length ? '   — waits for:' : ''}`);
		for (const line of describeMissing(missing)) lines.push(`               ${line}`);
		anyMissing ||= missing.length > 0;
	}
	if (anyMissing) lines.push(`  Create missing credentials ${WHERE_TO_CREATE_CREDENTIALS}; then npm start again (or select them on the nodes and publish).`);
	if (!catalog) lines.push('  (credentials not checked: the pack is not built or installed yet)');
	const mixed = mixedLedgerWarnings(ledgerUses(workflows.filter((wf) => wf.activeVersionId != null)));
	if (mixed.length) lines.push('', ...mixed);
	lines.push(...pageLines(workflows, port));
	return lines;
}

async function main(): Promise<void> {
	const port = Number(process.env.N8N_PORT ?? 5678);
	const dataDir = resolve(process.env.WAITLIST_LEDGER_DATA_DIR ?? join(PACKAGE_ROOT, '.n8n-local'));
	const [n8n, ledger, workflows] = await Promise.all([n8nLine(port, dataDir), ledgerReport(dataDir), workflowReport(dataDir, port)]);
	console.log([n8n, ...ledger, ...workflows].join('\n'));
}

main().catch((error: unknown) => {
	console.error(`npm run status failed: ${(error as Error).message}`);
	process.exit(1);
});
