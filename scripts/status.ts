/**
 * `npm run status`: is the n8n from `npm start` up, which of this pack's nodes did it load, and
 * which templates are published. Needs no login: node types come from the file n8n writes at
 * start-up, workflows from n8n's own CLI (`list:workflow`), which reads whatever database n8n uses
 * (its SQLite file, or PostgreSQL when DB_TYPE=postgresdb is set, as for `npm start`) and only reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { Ledger, openStore } from '../ledger';
import { PACKAGE_NAME, PACKAGE_ROOT, findFreePort, n8nEnv } from './lib/n8n-instance';
import { listWorkflows } from './lib/n8n-workflows';
import { installedN8nRuntime } from './lib/n8n-runtime';

/** The workflows in n8n, or a sentence saying why they cannot be shown and what to do. */
async function showWorkflows(dataDir: string, port: number): Promise<void> {
	const onPostgres = (process.env.DB_TYPE ?? '').startsWith('postgres');
	const dbFile = join(dataDir, '.n8n', 'database.sqlite');
	// Never let the CLI create an empty database where npm start has not made one yet.
	if (!onPostgres && !existsSync(dbFile)) {
		console.log(`\nWorkflows: no n8n database yet at ${dbFile}; run npm start first.`);
		return;
	}
	const runtime = installedN8nRuntime();
	if (!runtime) {
		console.log('\nWorkflows: the pinned n8n is not installed yet; npm start installs it.');
		return;
	}
	try {
		const workflows = await listWorkflows(runtime, n8nEnv(dataDir, port, await findFreePort()));
		console.log(`\nWorkflows (${workflows.length}, from n8n's ${onPostgres ? 'PostgreSQL' : 'SQLite'} database):`);
		for (const w of workflows) console.log(`  ${w.id}  ${w.published ? 'published' : 'draft    '}  ${w.name}`);
	} catch (error) {
		const reason = (error as Error).message.split('\n')[0];
		const hint = onPostgres
			? 'n8n is set to PostgreSQL (DB_TYPE): run this with the same DB_POSTGRESDB_* settings as npm start, and check that the database answers.'
			: `check that ${dbFile} is readable.`;
		console.log(`\nWorkflows: n8n's CLI could not list them (${reason}); ${hint}`);
	}
}

async function main(): Promise<void> {
	const port = Number(process.env.N8N_PORT ?? 5678);
	const dataDir = resolve(process.env.WAITLIST_LEDGER_DATA_DIR ?? join(PACKAGE_ROOT, '.n8n-local'));
	let healthy = false;
	try {
		healthy = (await fetch(`http://localhost:${port}/healthz`)).status === 200;
	} catch {
		healthy = false;
	}
	console.log(`n8n on http://localhost:${port}: ${healthy ? 'up (/healthz 200)' : 'not answering'}`);

	// n8n writes the node types it loaded to this file at start-up and serves it to the editor.
	const typesFile = join(dataDir, '.cache', 'n8n', 'public', 'types', 'nodes.json');
	if (existsSync(typesFile)) {
		const types = JSON.parse(readFileSync(typesFile, 'utf8')) as Array<{ name: string; displayName: string; version: number | number[] }>;
		const ours = types.filter((t) => t.name.startsWith(`${PACKAGE_NAME}.`));
		console.log(`\nNodes loaded from ${PACKAGE_NAME} (${ours.length}):`);
		for (const t of ours) console.log(`  ${t.name}  "${t.displayName}"`);
	} else {
		console.log(`\nNo node types file yet at ${typesFile}: has npm start run?`);
	}

	await showWorkflows(dataDir, port);
	const ledgerFile = join(dataDir, '.n8n', 'waitlist-ledger.sqlite');
	if (existsSync(ledgerFile)) {
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: ledgerFile }));
		try {
			console.log(`\nLedger ${ledgerFile}:`);
			for (const { launch, contacts } of await ledger.contacts.countByLaunch()) console.log(`  launch ${launch}: ${contacts} contact(s)`);
		} finally {
			await ledger.close();
		}
	}
}

void main();
