/**
 * Issue 21: the packed tarball installed into a fresh n8n the way Settings → Community Nodes
 * installs a package (scripts/lib/n8n-instance.ts `installTarball`: unpack into the user folder's
 * nodes/node_modules, dev / peer / optional dependencies dropped, `npm install` of its own
 * dependencies; nothing of ours comes from a registry), on the two n8n versions the README
 * claims: the pinned one and the oldest (scripts/lib/n8n-runtime.ts OLDEST_SUPPORTED_N8N, which
 * says why that one). On each: every node and credential type of the pack is among the types n8n
 * hands its editor (each node's icon a file of the installed package), every template imports with every node known
 * to that n8n at its version, and one signup is captured into the ledger.
 *
 * Then the pinned n8n once more with node:sqlite made unavailable to the pack
 * (test/support/without-node-sqlite.cjs, as on Node 20): the nodes still load, and a signup on
 * the embedded ledger is refused with the message that says what to do.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { listTemplateFiles, PACKAGE_NAME, PACKAGE_ROOT, readWorkflowFiles } from '../../scripts/lib/n8n-instance';
import { OLDEST_SUPPORTED_N8N, PINNED_N8N, type N8nRelease } from '../../scripts/lib/n8n-runtime';
import { exportWorkflows } from '../../scripts/lib/n8n-workflows';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';

const CAPTURE = join(PACKAGE_ROOT, 'workflows', 'launch-day-capture.json');
const OTHER_TEMPLATES = listTemplateFiles().filter((path) => path !== CAPTURE);

const MANIFEST = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };
/** n8n names a type after its class: WaitlistCaptureTrigger.node.js → waitlistCaptureTrigger. */
const typeName = (file: string, suffix: string) => {
	const base = file.split('/').pop()!.replace(suffix, '');
	return base[0]!.toLowerCase() + base.slice(1);
};
const PACK_NODES = MANIFEST.n8n.nodes.map((file) => `${PACKAGE_NAME}.${typeName(file, '.node.js')}`).sort();
const PACK_CREDENTIALS = MANIFEST.n8n.credentials.map((file) => typeName(file, '.credentials.js')).sort();

interface TypeDescription {
	name: string;
	version: number | number[];
	iconUrl?: string | { light: string; dark: string };
}

/** The node and credential types n8n wrote for its editor (what GET /types/*.json serves after sign-in). */
function editorTypes(n8n: E2eN8n): { nodes: TypeDescription[]; credentials: Array<{ name: string }> } {
	const dir = join(n8n.userFolder, '.cache', 'n8n', 'public', 'types');
	return {
		nodes: JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8')) as TypeDescription[],
		credentials: JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Array<{ name: string }>,
	};
}

function packTypesLoad(n8n: E2eN8n): void {
	const types = editorTypes(n8n);
	assert.deepEqual([...new Set(types.nodes.map((t) => t.name).filter((name) => name.startsWith(`${PACKAGE_NAME}.`)))].sort(), PACK_NODES);
	const credentialNames = new Set(types.credentials.map((c) => c.name));
	assert.deepEqual(PACK_CREDENTIALS.filter((name) => !credentialNames.has(name)), [], 'credential types n8n did not load');
}

/** Each node's icon as n8n lists it (icons/<package>/<path>) is a file of the installed package. */
function packIconsInstalled(n8n: E2eN8n): void {
	const packageDir = join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	for (const type of editorTypes(n8n).nodes.filter((t) => t.name.startsWith(`${PACKAGE_NAME}.`))) {
		const icon = type.iconUrl;
		assert.ok(icon, `${type.name} has no icon`);
		for (const url of typeof icon === 'string' ? [icon] : [icon.light, icon.dark]) {
			const prefix = `icons/${PACKAGE_NAME}/`;
			assert.ok(url.startsWith(prefix), `${type.name}: icon ${url} is not the package's`);
			const file = join(packageDir, url.slice(prefix.length));
			assert.ok(existsSync(file) && /<svg/.test(readFileSync(file, 'utf8')), `${type.name}: icon ${url} is not an SVG in the installed package`);
		}
	}
}

async function templatesImported(n8n: E2eN8n): Promise<void> {
	const known = new Map<string, Set<number>>();
	for (const type of editorTypes(n8n).nodes) {
		const versions = known.get(type.name) ?? new Set<number>();
		for (const v of Array.isArray(type.version) ? type.version : [type.version]) versions.add(v);
		known.set(type.name, versions);
	}
	const stored = await exportWorkflows(n8n.runtime, { ...process.env, N8N_USER_FOLDER: n8n.userFolder });
	const templates = readWorkflowFiles(listTemplateFiles());
	assert.deepEqual(
		templates.map((t) => t.id).filter((id) => !stored.some((w) => w.id === id)),
		[],
		'templates missing from n8n after import',
	);
	const unknown: string[] = [];
	for (const template of templates) {
		const json = JSON.parse(readFileSync(template.path, 'utf8')) as { nodes: Array<{ name: string; type: string; typeVersion: number }> };
		for (const node of json.nodes) {
			if (!known.get(node.type)?.has(node.typeVersion)) unknown.push(`${template.name}: "${node.name}" (${node.type} version ${node.typeVersion})`);
		}
	}
	assert.deepEqual(unknown, [], `template nodes this n8n (${n8n.runtime.n8nVersion}) does not know`);
}

async function oneSignupCaptured(n8n: E2eN8n): Promise<void> {
	const res = await n8n.post('waitlist-signup', { email: 'grace.hopper@example.com', first_name: 'Grace' });
	assert.equal(res.status, 201, await res.clone().text());
	assert.equal(((await res.json()) as { ok?: boolean }).ok, true);
	await n8n.withLedger(async (ledger) => {
		assert.equal(await ledger.contacts.count('default'), 1);
		const contact = await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'grace.hopper@example.com' });
		assert.equal(contact?.email, 'grace.hopper@example.com');
	});
}

for (const release of [PINNED_N8N, OLDEST_SUPPORTED_N8N] satisfies N8nRelease[]) {
	describe(`the packed tarball in a fresh n8n ${release.n8n} (Node ${release.node})`, { timeout: 30 * 60_000 }, () => {
		let n8n: E2eN8n;
		before(async () => {
			n8n = await startE2eN8n({ release, workflows: [CAPTURE], drafts: OTHER_TEMPLATES, freshPackInstall: true });
		});
		after(async () => n8n?.stop());

		it('runs the n8n and Node it was asked for', async () => {
			assert.equal(n8n.runtime.n8nVersion, release.n8n);
			const installed = JSON.parse(readFileSync(join(n8n.runtime.dir, 'node_modules', 'n8n', 'package.json'), 'utf8')) as { version: string };
			assert.equal(installed.version, release.n8n);
			assert.ok(existsSync(join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME, 'dist')), 'the pack is not in the nodes folder');
		});

		it('loads every node and credential type of the pack, with their icons', () => {
			packTypesLoad(n8n);
			packIconsInstalled(n8n);
		});

		it('imports every template, each node known to this n8n at its version', async () => {
			await templatesImported(n8n);
		});

		it('captures a signup into the ledger', async () => {
			await oneSignupCaptured(n8n);
		});
	});
}

describe('the packed tarball on an n8n whose Node has no node:sqlite', { timeout: 30 * 60_000 }, () => {
	let n8n: E2eN8n;
	let scratch: string;
	let refusals: string;
	before(async () => {
		scratch = mkdtempSync(join(tmpdir(), 'wl-no-sqlite-'));
		refusals = join(scratch, 'refused-requires.log');
		n8n = await startE2eN8n({
			workflows: [CAPTURE],
			freshPackInstall: true,
			env: {
				NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${join(PACKAGE_ROOT, 'test', 'support', 'without-node-sqlite.cjs')}`].filter(Boolean).join(' '),
				WL_NO_SQLITE_LOG: refusals,
			},
		});
	});
	after(async () => {
		await n8n?.stop();
		if (scratch) rmSync(scratch, { recursive: true, force: true });
	});

	it('loads every node and credential type of the pack', () => {
		packTypesLoad(n8n);
	});

	it('refuses a signup on the embedded ledger, and n8n logs what to do', async () => {
		const res = await n8n.post('waitlist-signup', { email: 'grace.hopper@example.com' });
		assert.ok(res.status >= 500, `answered ${res.status}`);
		assert.ok(existsSync(refusals) && readFileSync(refusals, 'utf8').includes(PACKAGE_NAME), 'the pack never asked for node:sqlite (the test proves nothing)');
		const deadline = Date.now() + 30_000;
		while (!/needs node:sqlite/.test(n8n.process.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
		const log = n8n.process.output();
		assert.match(log, /the embedded SQLite ledger needs node:sqlite/);
		assert.match(log, /Use a PostgreSQL ledger/);
		assert.match(log, /upgrade n8n/);
		assert.equal(existsSync(n8n.ledgerPath), false, 'an embedded ledger file was created');
	});
});
