/**
 * Issue 20 row 14 and issue 14's Storage choice, in-process: which ledger a pack node uses.
 *  - Storage "Default" (version 1.1 of the action nodes, by default): the server's
 *    WAITLIST_LEDGER_DATABASE_URL when set — one place for the whole pack — else the embedded file;
 *  - a workflow saved before the Storage parameter (version 1, a credential selected, no `storage`)
 *    keeps using its credential;
 *  - "PostgreSQL Credential" without a credential is refused naming the fix;
 *  - every pack node shows Storage, and hides the ledger credential while Storage is "Default".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import type { IDataObject, INodeCredentialDescription, INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { closeAllLedgers, getLedger, LEDGER_DATABASE_URL_ENV } from '../../ledger';
import { AFTER_DONE, START, actionWorkflow, items } from '../support/action-workflow';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { loadNodeType, runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { freshDatabase, type TestDatabase } from '../support/stores';


const NODE = 'Waitlist Contact';
/** Every node the package registers (package.json `n8n.nodes`), so a new one cannot be left out. */
const PACK_NODES = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { n8n: { nodes: string[] } }).n8n.nodes.map((file) => {
	const base = file.split('/').pop()!.replace('.node.js', '');
	return base[0]!.toLowerCase() + base.slice(1);
});
/** Nodes that came after Storage did: their version 1 already starts at "Default". */
const BORN_AT_DEFAULT = ['killSwitchPageTrigger', 'waitlistReview', 'reviewDeskPageTrigger', 'launchChecklist', 'checkoutLinkTrigger'];

function contactWorkflow(typeVersion: number, parameters: IDataObject, credentials?: Record<string, { id: string; name: string }>): WorkflowJson {
	const wf = actionWorkflow({ name: NODE, type: 'waitlistContact', parameters: { operation: 'upsert', email: '={{ $json.email }}', ...parameters } });
	const node = wf.nodes.find((n) => n.name === NODE)!;
	node.typeVersion = typeVersion;
	if (credentials) node.credentials = credentials;
	return wf;
}

function postgresUrl(config: TestDatabase['config']): string {
	const c = config as { host?: string; port?: number; user?: string; password?: string; database?: string; schema?: string };
	const auth = c.password ? `${encodeURIComponent(c.user ?? '')}:${encodeURIComponent(c.password)}` : encodeURIComponent(c.user ?? '');
	return `postgres://${auth}@${c.host}:${c.port}/${c.database}?schema=${c.schema}`;
}

describe('Storage: which ledger a pack node uses', () => {
	let pg: TestDatabase;
	let dir: string;
	const saved = { url: process.env[LEDGER_DATABASE_URL_ENV], sqlite: process.env.WAITLIST_LEDGER_SQLITE_PATH };

	before(async () => {
		pg = await freshDatabase('postgres');
		dir = mkdtempSync(join(tmpdir(), 'wl-storage-'));
		process.env.WAITLIST_LEDGER_SQLITE_PATH = join(dir, 'embedded.sqlite');
	});
	afterEach(() => {
		if (saved.url === undefined) delete process.env[LEDGER_DATABASE_URL_ENV];
		else process.env[LEDGER_DATABASE_URL_ENV] = saved.url;
	});
	after(async () => {
		await closeAllLedgers();
		if (saved.sqlite === undefined) delete process.env.WAITLIST_LEDGER_SQLITE_PATH;
		else process.env.WAITLIST_LEDGER_SQLITE_PATH = saved.sqlite;
		rmSync(dir, { recursive: true, force: true });
		await pg.drop();
	});

	const inPostgres = async (email: string) => (await (await getLedger(pg.config)).contacts.find({ launch: 'default', kind: 'email', value: email })) !== null;
	const embedded = () => getLedger({ driver: 'sqlite', path: process.env.WAITLIST_LEDGER_SQLITE_PATH! });
	const inEmbedded = async (email: string) => (await (await embedded()).contacts.find({ launch: 'default', kind: 'email', value: email })) !== null;

	async function upsert(wf: WorkflowJson, email: string, credentials?: ReturnType<typeof ledgerCredentialFor>) {
		const result = await runWorkflow(wf, { trigger: { node: START, items: items({ email }) }, credentials });
		return result;
	}

	it('a new node (version 1.1, Storage left at Default) uses WAITLIST_LEDGER_DATABASE_URL when the server sets it', async () => {
		process.env[LEDGER_DATABASE_URL_ENV] = postgresUrl(pg.config);
		const result = await upsert(contactWorkflow(1.1, {}), 'env@example.com');
		assert.equal(result.error(NODE), undefined, result.error(NODE)?.message);
		assert.equal(result.output(AFTER_DONE).length, 1);
		assert.equal(await inPostgres('env@example.com'), true);
		assert.equal(await inEmbedded('env@example.com'), false);
	});

	it('without the variable, Default is the embedded file', async () => {
		delete process.env[LEDGER_DATABASE_URL_ENV];
		const result = await upsert(contactWorkflow(1.1, {}), 'embedded@example.com');
		assert.equal(result.error(NODE), undefined, result.error(NODE)?.message);
		assert.equal(await inEmbedded('embedded@example.com'), true);
		assert.equal(await inPostgres('embedded@example.com'), false);
	});

	it('a workflow saved before Storage existed (version 1, credential selected, no storage parameter) keeps its credential, variable or not', async () => {
		process.env[LEDGER_DATABASE_URL_ENV] = 'postgres://nobody@127.0.0.1:1/none';
		const wf = contactWorkflow(1, {}, { waitlistLedgerApi: { id: 'saved-before', name: 'Ledger' } });
		assert.equal('storage' in (wf.nodes.find((n) => n.name === NODE)!.parameters ?? {}), false);
		const result = await upsert(wf, 'legacy@example.com', ledgerCredentialFor(pg.config));
		assert.equal(result.error(NODE), undefined, result.error(NODE)?.message);
		assert.equal(await inPostgres('legacy@example.com'), true);
	});

	it('a version-1 node without a credential (auto) follows the variable too: the drain and the signup share one ledger', async () => {
		process.env[LEDGER_DATABASE_URL_ENV] = postgresUrl(pg.config);
		const result = await upsert(contactWorkflow(1, {}), 'auto@example.com');
		assert.equal(result.error(NODE), undefined, result.error(NODE)?.message);
		assert.equal(await inPostgres('auto@example.com'), true);
	});

	it('"PostgreSQL Credential" with none selected is refused, naming the fix', async () => {
		const result = await upsert(contactWorkflow(1.1, { storage: 'credential' }), 'nocred@example.com');
		assert.match(result.error(NODE)?.message ?? '', /Storage is "PostgreSQL Credential" but no Waitlist Ledger credential is selected/);
	});

	it('a bad WAITLIST_LEDGER_DATABASE_URL is an error naming the variable, never a quiet switch to the embedded file', async () => {
		process.env[LEDGER_DATABASE_URL_ENV] = 'mysql://x@y/z';
		const result = await upsert(contactWorkflow(1.1, {}), 'badurl@example.com');
		assert.match(result.error(NODE)?.message ?? '', /WAITLIST_LEDGER_DATABASE_URL must start with postgres:\/\//);
		assert.equal(await inEmbedded('badurl@example.com'), false);
	});

	it('every pack node shows Storage and hides the ledger credential while it is "Default"', () => {
		for (const name of PACK_NODES) {
			const type = loadNodeType(`n8n-nodes-waitlist-ledger.${name}`);
			const description = ('nodeVersions' in type ? Object.values((type as { nodeVersions: Record<string, { description: INodeTypeDescription }> }).nodeVersions)[0]!.description : type.description) as INodeTypeDescription;
			const storage = description.properties.filter((p: INodeProperties) => p.name === 'storage');
			assert.ok(storage.length > 0, `${name}: no Storage parameter`);
			const credential = (description.credentials ?? []).find((c: INodeCredentialDescription) => c.name === 'waitlistLedgerApi');
			assert.deepEqual(credential?.displayOptions, { hide: { storage: ['default'] } }, `${name}: ledger credential not hidden under Default`);
			const versions = ([] as number[]).concat(description.version);
			if (versions.includes(1.1)) assert.ok(storage.some((p) => p.default === 'default'), `${name}: version 1.1 must default to "default"`);
			if (BORN_AT_DEFAULT.includes(name)) {
				const shown = storage.filter((p) => JSON.stringify(p.displayOptions?.show?.['@version']) === JSON.stringify([{ _cnd: { gte: 1 } }]));
				assert.deepEqual(shown.map((p) => p.default), ['default'], `${name}: version 1 must start at "default"`);
			} else assert.ok(storage.some((p) => p.default === 'auto'), `${name}: version 1 must keep "auto"`);
		}
	});
});
