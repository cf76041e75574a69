/**
 * A vendor step that fails leaves the vendor's own words in the ledger: the signup template with
 * Kit answering 401, then 500, and HubSpot down; the outbox drain with its Kit credential missing.
 * Each failure record holds the HTTP status and the vendor's message (or "credential missing"),
 * and `npm run status` shows them per vendor — no need to open an execution.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { runStatus } from '../support/npm-start';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate, type TemplateJson } from '../support/signup-template';
import { waitFor } from '../support/wait';

const SIGNUP_ID = 'wlSignupCapture1';
const DRAIN_ID = 'wlOutboxDrain001';
const DRAIN_LAUNCH = 'drain-check';

/**
 * The drain as shipped, every two seconds, on its own launch (so it never claims the signup
 * template's retries), with the HubSpot credential selected and the Kit one not — as a user who
 * created only one of them.
 */
function drainWithoutKitCredential(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'outbox-drain.json'), 'utf8')) as TemplateJson;
	const hubspot = FAKE_VENDOR_CREDENTIALS.find((c) => c.type === 'hubspotAppToken')!;
	for (const node of wf.nodes) {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 2 }] };
		if (node.type.startsWith('n8n-nodes-waitlist-ledger.')) node.parameters.launch = DRAIN_LAUNCH;
		if (node.parameters.nodeCredentialType === 'hubspotAppToken') node.credentials = { hubspotAppToken: { id: hubspot.id, name: hubspot.name } };
	}
	return wf;
}

describe('real n8n: vendor failures are recorded in the vendor’s own words', () => {
	let n8n: E2eN8n;
	const refusalFile = join(tmpdir(), `wl-kit-refusal-${process.pid}`);
	const fakesLog = () => join(n8n.userFolder, 'vendor-requests.jsonl');

	before(async () => {
		rmSync(refusalFile, { force: true });
		n8n = await startE2eN8n({
			workflows: [signupTemplate(), drainWithoutKitCredential()],
			credentials: FAKE_VENDOR_CREDENTIALS,
			vendorFakes: { down: ['hubspot'] },
			env: {
				// The refusing Kit first, so its interceptors are tried before the ordinary fakes.
				NODE_OPTIONS: [
					process.env.NODE_OPTIONS,
					`--require ${join(PACKAGE_ROOT, 'test', 'support', 'kit-refusals.cjs')}`,
					`--require ${join(PACKAGE_ROOT, 'test', 'support', 'vendor-fakes.cjs')}`,
				]
					.filter(Boolean)
					.join(' '),
				WL_KIT_REFUSAL_FILE: refusalFile,
			},
		});
	});
	after(async () => {
		rmSync(refusalFile, { force: true });
		await n8n?.stop();
	});

	async function signUp(email: string, runsBefore: number): Promise<string> {
		const res = await n8n.post('waitlist-signup', { email, utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' });
		assert.equal(res.status, 201, 'the signup is answered and kept whatever the vendors do');
		const [run] = (await n8n.waitForExecutions(SIGNUP_ID, runsBefore + 1)).slice(-1);
		assert.equal(run!.status, 'success', `a vendor failure is handled, not a failed run: ${JSON.stringify(run!.errors)}`);
		return ((await res.json()) as { contactId: string }).contactId;
	}

	const entriesOf = (contactId: string) => n8n.withLedger((ledger) => ledger.outbox.list({ launch: 'default', contactId }));

	it('Kit answering 401: the Kit entry holds "Kit answered 401" and Kit’s message; HubSpot down: its entry holds 503 and HubSpot’s message', async () => {
		writeFileSync(refusalFile, '401');
		const contactId = await signUp('ada@example.com', 0);
		const entries = await entriesOf(contactId);
		const kit = entries.find((e) => e.kind === 'esp_sync')!;
		assert.equal(kit.status, 'failed');
		assert.match(kit.lastError ?? '', /^Kit answered 401: .*Authorization Failed.*API Key not valid/);
		const hubspot = entries.find((e) => e.kind === 'crm_sync')!;
		assert.equal(hubspot.status, 'failed');
		assert.match(hubspot.lastError ?? '', /^HubSpot answered 503: .*hubspot is down/);
		const kitCalls = readFileSync(fakesLog(), 'utf8').split('\n').filter((l) => l.includes('"fake":"kit"'));
		assert.equal(kitCalls.length, 1, 'Kit was called once for the signup');
	});

	it('Kit answering 500: the entry holds "Kit answered 500" and Kit’s message', async () => {
		writeFileSync(refusalFile, '500');
		const contactId = await signUp('bob@example.com', 1);
		const kit = (await entriesOf(contactId)).find((e) => e.kind === 'esp_sync')!;
		assert.equal(kit.status, 'failed');
		assert.match(kit.lastError ?? '', /^Kit answered 500: .*Kit could not process the request right now/);
	});

	it('the outbox drain without its Kit credential records "Kit credential missing", naming the credential and the node', async () => {
		const { entryId } = await n8n.withLedger(async (ledger) => {
			const { contactId } = await ledger.contacts.upsert({ launch: DRAIN_LAUNCH, email: 'cy@example.com', attribution: { utm_source: 'podcast' } });
			const { id } = await ledger.outbox.enqueue({ launch: DRAIN_LAUNCH, kind: 'esp_sync', idempotencyKey: 'esp:cy', contactId });
			await ledger.outbox.enqueue({ launch: DRAIN_LAUNCH, kind: 'crm_sync', idempotencyKey: 'crm:cy', contactId });
			return { entryId: id };
		});
		const entry = await waitFor('the drain to try the Kit entry', () =>
			n8n.withLedger(async (ledger) => {
				const e = await ledger.outbox.get(entryId);
				return e?.lastError ? e : undefined;
			}),
		);
		assert.equal(entry.status, 'failed');
		assert.match(entry.lastError ?? '', /^Kit credential missing: select a "Header Auth \(X-Kit-Api-Key\)" credential on "Kit: add or update subscriber" \(n8n: .*[Cc]redential/);
		const crm = await waitFor('the drain to try the HubSpot entry', () =>
			n8n.withLedger(async (ledger) => (await ledger.outbox.list({ launch: DRAIN_LAUNCH, kinds: 'crm_sync' })).find((e) => e.lastError)),
		);
		assert.match(crm.lastError ?? '', /^HubSpot answered 503: .*hubspot is down/);
		assert.ok(n8n.executions(DRAIN_ID).length > 0);
	});

	it('npm run status shows the failures per vendor, with their words', async () => {
		const { stdout, code } = await runStatus({ dataDir: n8n.userFolder, port: Number(new URL(n8n.baseUrl).port) });
		assert.equal(code, 0, stdout);
		const section = (launch: string) => stdout.slice(stdout.indexOf(`Launch "${launch}"`)).split('\n\n')[0]!;
		const signups = section('default');
		assert.match(signups, /Signups +2 new today/);
		assert.match(signups, /Kit \(esp_sync\) +0 · 2 · 0\n +last failure \d\d:\d\d: Kit answered 500: .*Kit could not process the request right now/);
		assert.match(signups, /HubSpot \(crm_sync\) +0 · 2 · 0\n +last failure \d\d:\d\d: HubSpot answered 503: .*hubspot is down/);
		const drain = section(DRAIN_LAUNCH);
		assert.match(drain, /Kit \(esp_sync\) +0 · 1 · 0\n +last failure \d\d:\d\d: Kit credential missing: select a "Header Auth \(X-Kit-Api-Key\)" credential/);
	});
});
