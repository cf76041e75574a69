/**
 * `npm run status`: is the n8n from `npm start` up, which of this pack's nodes did it load, and
 * which templates are published. Reads what the running n8n itself wrote, so it needs no login.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { Ledger } from '../ledger';
import { openStore } from '../ledger/store';
import { PACKAGE_NAME, PACKAGE_ROOT } from './lib/n8n-instance';

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

	const dbFile = join(dataDir, '.n8n', 'database.sqlite');
	if (existsSync(dbFile)) {
		const db = new DatabaseSync(dbFile, { readOnly: true });
		const rows = db.prepare('SELECT id, name, activeVersionId FROM workflow_entity ORDER BY name').all() as Array<{
			id: string;
			name: string;
			activeVersionId: string | null;
		}>;
		console.log(`\nWorkflows (${rows.length}):`);
		for (const r of rows) console.log(`  ${r.id}  ${r.activeVersionId ? 'published' : 'draft    '}  ${r.name}`);
		db.close();
	}
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
