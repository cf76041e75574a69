import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';

import { findFreePort, n8nEnv } from '../../scripts/lib/n8n-instance';
import { runN8nCli } from '../../scripts/lib/n8n-workflows';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';

/**
 * Issue 18 through a real n8n: a person signs up and pays (their signup and payment runs are kept in
 * n8n's execution history, as n8n does by default), then a workflow forgets them with "Delete Their
 * Workflow Executions Too" on, using an n8n API key made the way a user makes one. Afterwards neither
 * n8n's own database nor the ledger holds their email or phone.
 */

const WHSEC = 'whsec_forget_e2e';
const EMAIL = 'Ottilie.Vanish@Example.com';
const PHONE = '+1 415 555 0177';
const API_CREDENTIAL = { id: 'n8nApiForgetE2e1', name: 'n8n API (forget e2e)', type: 'n8nApi' };

const signupWorkflow = {
	id: 'forgetE2eSignup1',
	name: 'Forget e2e: signup',
	nodes: [
		{ id: 'fs-trigger', name: 'Waitlist Capture Trigger', type: 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger', typeVersion: 1, position: [0, 0], webhookId: 'forgetE2eSignup1-webhook', parameters: { path: 'forget-e2e-signup', launch: 'default' } },
		{ id: 'fs-next', name: 'Next Step', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
	],
	connections: { 'Waitlist Capture Trigger': { main: [[{ node: 'Next Step', type: 'main', index: 0 }]] } },
};

const paymentWorkflow = {
	id: 'forgetE2ePaymnt1',
	name: 'Forget e2e: payment',
	nodes: [
		{
			id: 'fp-trigger',
			name: 'Purchase Webhook Trigger',
			type: 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: 'forgetE2ePaymnt1-webhook',
			parameters: { path: 'forget-e2e-stripe', provider: 'stripe', launch: 'default' },
			credentials: { stripeWebhookSecretApi: { id: 'forgetE2eWhSec01', name: 'stripe forget e2e' } },
		},
		{
			id: 'fp-match',
			name: 'Purchase Match',
			type: 'n8n-nodes-waitlist-ledger.purchaseMatch',
			typeVersion: 1,
			position: [220, 0],
			parameters: { resource: 'purchase', operation: 'match', purchaseInput: 'inbox', inboxId: '={{ $json.inboxId }}', launch: '={{ $json.launch }}' },
		},
	],
	connections: { 'Purchase Webhook Trigger': { main: [[{ node: 'Purchase Match', type: 'main', index: 0 }]] } },
};

const forgetWorkflow = {
	id: 'forgetE2eForget1',
	name: 'Forget e2e: forget a person',
	// This run cannot delete itself; it holds only the contact id, and is not kept either.
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none' },
	nodes: [
		{ id: 'ff-hook', name: 'Forget Request', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: 'f0f0f0f0-0000-4000-8000-00000000f0f0', parameters: { httpMethod: 'POST', path: 'forget-e2e-person', responseMode: 'lastNode', options: {} } },
		{
			id: 'ff-forget',
			name: 'Waitlist Contact',
			type: 'n8n-nodes-waitlist-ledger.waitlistContact',
			typeVersion: 1.1,
			position: [220, 0],
			parameters: { resource: 'contact', operation: 'forget', contactId: '={{ $json.body.contactId }}', deleteN8nExecutions: true, executionsToSearch: 500 },
			credentials: { n8nApi: { id: API_CREDENTIAL.id, name: API_CREDENTIAL.name } },
		},
	],
	connections: { 'Forget Request': { main: [[{ node: 'Waitlist Contact', type: 'main', index: 0 }]] } },
};

/** Every table of an SQLite database as lower-case text. */
function dumpSqlite(path: string): Record<string, string> {
	const db = new DatabaseSync(path, { readOnly: true });
	try {
		const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string }>;
		return Object.fromEntries(tables.map(({ name }) => [name, JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()).toLowerCase()]));
	} finally {
		db.close();
	}
}

/** The ways the person's email and phone can be written in stored JSON. */
const NEEDLES = ['ottilie', 'vanish@', 'ottilie.vanish%40', '415 555 0177', '4155550177', '+14155550177'];

function traces(dump: Record<string, string>): string[] {
	return Object.entries(dump).flatMap(([table, text]) => NEEDLES.filter((n) => text.includes(n) || text.replace(/\\u0020| /g, '').includes(n.replace(/ /g, ''))).map((n) => `${table}: ${n}`));
}

describe("real n8n: Forget deletes the person's executions and leaves no trace in either database", () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({
			workflows: [signupWorkflow, paymentWorkflow, forgetWorkflow],
			credentials: [
				{ id: 'forgetE2eWhSec01', name: 'stripe forget e2e', type: 'stripeWebhookSecretApi', data: { signingSecret: WHSEC } },
				// Replaced below by a real key for this n8n (its port is known once it runs).
				{ ...API_CREDENTIAL, data: { apiKey: 'not-yet', baseUrl: 'http://localhost:1/api/v1' } },
			],
		});
		await giveForgetAnApiKey(n8n);
	});
	after(async () => n8n?.stop());

	it('sign up and pay, forget with the option on: n8n keeps no run with the email or phone, and the ledger holds none', async () => {
		await n8n.withLedger((ledger) => ledger.purchases.defineProduct({ launch: 'default', productId: 'course', amount: 5900, currency: 'USD' }));
		const signup = await n8n.post('forget-e2e-signup', { email: EMAIL, phone: PHONE, first_name: 'Ottilie' });
		assert.equal(signup.status, 201);
		// A bystander whose runs must stay.
		assert.equal((await n8n.post('forget-e2e-signup', { email: 'bystander@example.com' })).status, 201);
		const payment = stripe.checkoutCompleted('evt_forget_e2e', { email: EMAIL, customer: 'cus_ottilie', order: 'pi_forget_e2e' });
		(payment.data.object.customer_details as Record<string, unknown>).phone = PHONE;
		const delivery = stripeSign(JSON.stringify(payment), WHSEC);
		assert.equal((await fetch(n8n.webhookUrl('forget-e2e-stripe'), { method: 'POST', headers: delivery.headers, body: delivery.rawBody })).status, 200);
		const [paid] = await n8n.waitForExecutions(paymentWorkflow.id, 1);
		assert.equal((paid!.nodes['Purchase Match']?.[0]?.[0] as { decision?: string } | undefined)?.decision, 'grant');
		await n8n.waitForExecutions(signupWorkflow.id, 2);
		assert.ok(traces(dumpSqlite(join(n8n.userFolder, '.n8n', 'database.sqlite'))).length > 0, "before the forget, n8n's runs hold the person (or this test proves nothing)");

		const contact = await n8n.withLedger((ledger) => ledger.contacts.find({ launch: 'default', kind: 'email', value: EMAIL }));
		assert.ok(contact);
		const forget = await fetch(n8n.webhookUrl('forget-e2e-person'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId: contact.id }) });
		const answer = (await forget.json()) as { forgotten?: boolean; n8nExecutions?: { examined: number; deleted: number; stillRunning: string[] } };
		assert.equal(forget.status, 200, JSON.stringify(answer));
		console.log(`forget: ${JSON.stringify(answer.n8nExecutions)}`);
		assert.equal(answer.forgotten, true);
		assert.deepEqual([answer.n8nExecutions?.deleted, answer.n8nExecutions?.stillRunning], [2, []], 'her signup run and her payment run');

		const n8nTraces = traces(dumpSqlite(join(n8n.userFolder, '.n8n', 'database.sqlite')));
		const ledgerTraces = traces(dumpSqlite(n8n.ledgerPath));
		assert.deepEqual(n8nTraces, [], "n8n's database");
		assert.deepEqual(ledgerTraces, [], 'the ledger');
		assert.equal(n8n.executions(signupWorkflow.id).length, 1, "the bystander's signup run stays");
	});
});

/** Makes the owner and an API key the way a user does in Settings → n8n API, and puts it in the Forget workflow's credential. */
async function giveForgetAnApiKey(n8n: E2eN8n): Promise<void> {
	const headers = { 'content-type': 'application/json', 'browser-id': 'forget-e2e' };
	const setup = await fetch(`${n8n.baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers,
		// n8n wants 8+ characters with a digit and a capital; a fresh one per run.
		body: JSON.stringify({ email: 'owner@forget-e2e.test', firstName: 'Owner', lastName: 'E2e', password: `Owner-${randomBytes(8).toString('hex')}-9Z` }),
	});
	assert.equal(setup.status, 200, await setup.clone().text());
	const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0]!;
	const created = await fetch(`${n8n.baseUrl}/rest/api-keys`, {
		method: 'POST',
		headers: { ...headers, cookie },
		body: JSON.stringify({ label: 'forget e2e', scopes: ['execution:list', 'execution:read', 'execution:delete'], expiresAt: null }),
	});
	const body = (await created.json()) as { data?: { rawApiKey?: string } };
	assert.ok(body.data?.rawApiKey, JSON.stringify(body));
	const file = join(n8n.userFolder, 'n8n-api-credential.json');
	writeFileSync(file, JSON.stringify([{ ...API_CREDENTIAL, data: { apiKey: body.data.rawApiKey, baseUrl: `${n8n.baseUrl}/api/v1` } }]));
	const env = n8nEnv(n8n.userFolder, await findFreePort(), await findFreePort());
	await runN8nCli(n8n.runtime, { ...env, NODE_OPTIONS: process.env.NODE_OPTIONS ?? '' }, ['import:credentials', `--input=${file}`]);
}
