import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';

import { findFreePort, n8nEnv } from '../../scripts/lib/n8n-instance';
import { runN8nCli } from '../../scripts/lib/n8n-workflows';
import { CHECKOUT_CREDENTIALS, checkoutTemplate } from '../support/checkout-template';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../support/signup-template';
import { waitFor } from '../support/wait';

/**
 * Issue 18 through a real n8n: a person signs up and pays (their signup and payment runs are kept in
 * n8n's execution history: these two test workflows keep n8n's default, save every run), then a
 * workflow forgets them with "Delete Their Workflow Executions Too" on, using an n8n API key made the
 * way a user makes one. Afterwards neither n8n's own database nor the ledger holds their email or
 * phone — and stays so while every kind of event that can follow a forget arrives through the real
 * webhooks. Beside them, the shipped signup template with its own run-data settings: a successful
 * signup run leaves nothing in n8n's database.
 */

const WHSEC = 'whsec_forget_e2e';
const EMAIL = 'Ottilie.Vanish@Example.com';
const PHONE = '+1 415 555 0177';
const API_CREDENTIAL = { id: 'n8nApiForgetE2e1', name: 'n8n API (forget e2e)', type: 'n8nApi' };
/** The shipped waitlist-signup template, as imported (its own settings: successful runs not kept). */
const TEMPLATE = signupTemplate();

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

function traces(dump: Record<string, string>, needles = NEEDLES): string[] {
	return Object.entries(dump).flatMap(([table, text]) => needles.filter((n) => text.includes(n) || text.replace(/\\u0020| /g, '').includes(n.replace(/ /g, ''))).map((n) => `${table}: ${n}`));
}

describe("real n8n: Forget deletes the person's executions and leaves no trace in either database", () => {
	let n8n: E2eN8n;
	/** The person's status link, taken before the forget (the link a person keeps in their inbox). */
	const forgotten = { statusToken: '' };
	const ledgerCount = (sql: string): number => {
		const db = new DatabaseSync(n8n.ledgerPath, { readOnly: true });
		try {
			return Number((db.prepare(sql).get() as { n: number }).n);
		} finally {
			db.close();
		}
	};
	before(async () => {
		n8n = await startE2eN8n({
			// The checkout template too: its link is n8n's own Webhook node, the one door that still starts a run.
			workflows: [signupWorkflow, paymentWorkflow, forgetWorkflow, TEMPLATE, checkoutTemplate({ scheduleSeconds: 3600 })],
			// Each workflow's own run-data settings: the template's, and n8n's default (save all) for the others.
			saveSuccessfulRuns: false,
			vendorFakes: {},
			credentials: [
				...new Map([...FAKE_VENDOR_CREDENTIALS, ...CHECKOUT_CREDENTIALS].map((c) => [c.id, c])).values(),
				{ id: 'forgetE2eWhSec01', name: 'stripe forget e2e', type: 'stripeWebhookSecretApi', data: { signingSecret: WHSEC } },
				// Replaced below by a real key for this n8n (its port is known once it runs).
				{ ...API_CREDENTIAL, data: { apiKey: 'not-yet', baseUrl: 'http://localhost:1/api/v1' } },
			],
		});
		await giveForgetAnApiKey(n8n);
	});
	after(async () => n8n?.stop());

	it("the shipped signup template keeps no run data of a successful signup (saveDataSuccessExecution \"none\")", async () => {
		const email = 'Kept.Nowhere@Example.com';
		const answer = await n8n.post('waitlist-signup', { email, phone: '+1 415 555 0123', first_name: 'Kept' });
		assert.equal(answer.status, 201, await answer.clone().text());
		// The run happened and succeeded: it sent the person to Kit and HubSpot, and acknowledged both in the ledger.
		await waitFor('the template run to send the signup to Kit and HubSpot', () => {
			const sent = n8n.vendorRequests().filter((r) => JSON.stringify(r).toLowerCase().includes('kept.nowhere'));
			return new Set(sent.map((r) => r.fake)).size >= 2 ? sent : undefined;
		});
		await waitFor('both syncs acknowledged', () => {
			const db = new DatabaseSync(n8n.ledgerPath, { readOnly: true });
			try {
				const rows = db
					.prepare("SELECT o.kind, o.status FROM outbox o JOIN identifiers i ON i.contact_id = o.contact_id AND i.kind = 'email' WHERE i.launch = 'default' AND i.value = 'kept.nowhere@example.com'")
					.all() as Array<{ kind: string; status: string }>;
				return rows.length >= 2 && rows.every((r) => r.status === 'done') ? rows : undefined;
			} finally {
				db.close();
			}
		});
		// n8n marks the finished run deleted at once and removes its data at its next hard-delete pass
		// (every minute under npm start's EXECUTIONS_DATA_PRUNE_HARD_DELETE_INTERVAL; 15 by default).
		const gone = await waitFor(
			"the template run's data gone from n8n's database",
			() => {
				const left = n8n.executions(TEMPLATE.id).length;
				const found = traces(dumpSqlite(join(n8n.userFolder, '.n8n', 'database.sqlite')), ['kept.nowhere', '4155550123']);
				return left === 0 && found.length === 0 ? { left, found } : undefined;
			},
			180_000,
		);
		assert.deepEqual(gone, { left: 0, found: [] });
	});

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
		forgotten.statusToken = await n8n.withLedger((ledger) => ledger.referrals.statusToken('default', contact.id));
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

	it('every kind of event that can follow the forget, through the real webhooks, leaves no trace in either database', async () => {
		assert.ok(forgotten.statusToken, 'runs after the forget above');
		const contactsBefore = ledgerCount("SELECT COUNT(*) AS n FROM contacts WHERE launch = 'default'");
		const answers: Record<string, number> = {};
		// Signups again: JSON to both captures (the test one keeps successful runs, the template does not), a form post, a repeat.
		answers['signup JSON'] = (await n8n.post('forget-e2e-signup', { email: EMAIL, phone: PHONE, first_name: 'Ottilie' })).status;
		answers['signup JSON, other capitals'] = (await n8n.post('forget-e2e-signup', { email: EMAIL.toUpperCase() })).status;
		// A refused signup naming her (this capture asks for an email): refused as usual, nothing of it kept.
		answers['refused signup naming her phone'] = (await n8n.post('forget-e2e-signup', { phone: PHONE })).status;
		answers['template signup'] = (await n8n.post('waitlist-signup', { email: EMAIL, phone: PHONE })).status;
		const form = new URLSearchParams({ email: EMAIL, phone: PHONE, first_name: 'Ottilie' }).toString();
		answers['form post'] = (await fetch(n8n.webhookUrl('forget-e2e-signup'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).status;
		// Her status link (kept from her thank-you page).
		const status = await fetch(`${n8n.webhookUrl('forget-e2e-signup')}/status?token=${encodeURIComponent(forgotten.statusToken)}`);
		const statusPage = (await status.text()).toLowerCase();
		answers['status link'] = status.status;
		assert.ok(!statusPage.includes('ottilie'), 'the status page names no one');
		// The checkout link with her address: the ledger refuses the token; the template answers without saying why.
		const checkout = await n8n.post('checkout', { email: EMAIL });
		answers['checkout link'] = checkout.status;
		assert.ok(!(await checkout.text()).toLowerCase().includes('forgotten'), 'the checkout answer does not say the address was forgotten');
		// Every Stripe event kind the pack reads, signed, through the payment webhook.
		const charge = { email: EMAIL, customer: 'cus_ottilie', order: 'pi_forget_e2e' };
		const withEvidence = <T extends { data: { object: object } }>(event: T): T => ({
			...event,
			data: { object: { ...event.data.object, id: 'dp_evidence', evidence: { customer_email_address: EMAIL, customer_name: 'Ottilie Vanish', billing_address: PHONE } } },
		});
		const withPhone = <T extends { data: { object: object } }>(event: T): T => ({ ...event, data: { object: { ...event.data.object, customer_details: { email: EMAIL, phone: PHONE, name: 'Ottilie' } } } });
		const events: Record<string, object> = {
			'paid again (new event id)': withPhone(stripe.checkoutCompleted('evt_after_paid', charge)),
			'async payment succeeded': stripe.asyncSucceeded('evt_after_async', charge),
			'a new order by her email': stripe.checkoutCompleted('evt_after_new_order', { ...charge, customer: 'cus_other', order: 'pi_after_new' }),
			'payment intent created': stripe.paymentIntentCreated('evt_after_intent', charge),
			'refund (billing_details.email)': stripe.chargeRefunded('evt_after_refund', charge),
			'dispute opened (names only the payment)': stripe.dispute('evt_after_dispute', 'charge.dispute.created', 'needs_response', charge),
			'dispute closed lost': stripe.dispute('evt_after_dispute_lost', 'charge.dispute.closed', 'lost', charge),
			// A dispute's evidence names the buyer (Stripe fills it from the payment): only the payment id is an identifier the pack reads.
			'dispute with her in its evidence': withEvidence(stripe.dispute('evt_after_dispute_evidence', 'charge.dispute.created', 'needs_response', charge)),
		};
		for (const [name, event] of Object.entries(events)) {
			const delivery = stripeSign(JSON.stringify(event), WHSEC);
			answers[name] = (await fetch(n8n.webhookUrl('forget-e2e-stripe'), { method: 'POST', headers: delivery.headers, body: delivery.rawBody })).status;
		}
		answers['unsigned, naming her'] = (
			await fetch(n8n.webhookUrl('forget-e2e-stripe'), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' }, body: JSON.stringify(events['paid again (new event id)']) })
		).status;
		console.log(`after the forget: ${JSON.stringify(answers)}`);
		assert.deepEqual(
			Object.entries(answers).filter(([name, code]) => code !== (name.startsWith('signup') || name.startsWith('template') ? 201 : name === 'form post' ? 201 : name === 'status link' ? 404 : name === 'checkout link' ? 503 : name.startsWith('refused') ? 422 : name.startsWith('unsigned') ? 401 : 200)),
			[],
			'signups 201 as any signup, the refused one 422, the status link 404, the checkout link 503, signed events 200, the unsigned one 401',
		);

		// Every run these started has finished, and n8n's hard-delete pass has run after them.
		await waitFor('no delivery left unprocessed, no run still running', () => {
			const open = ledgerCount("SELECT COUNT(*) AS n FROM purchase_inbox WHERE launch = 'default' AND status = 'received'");
			const running = n8n.executions().filter((e) => e.status === 'running' || e.status === 'new');
			return open === 0 && running.length === 0 ? true : undefined;
		});
		console.log(`payment runs kept (this test workflow keeps successful runs): ${n8n.executions(paymentWorkflow.id).map((e) => `${e.status} ${Object.keys(e.nodes).join('→')}`).join('; ')}`);
		const n8nTraces = await waitFor(
			"no trace in n8n's database",
			() => {
				const found = traces(dumpSqlite(join(n8n.userFolder, '.n8n', 'database.sqlite')));
				return found.length === 0 ? found : undefined;
			},
			180_000,
		).catch(() => traces(dumpSqlite(join(n8n.userFolder, '.n8n', 'database.sqlite'))));
		assert.deepEqual(n8nTraces, [], "n8n's database");
		assert.deepEqual(traces(dumpSqlite(n8n.ledgerPath)), [], 'the ledger');
		assert.equal(ledgerCount("SELECT COUNT(*) AS n FROM contacts WHERE launch = 'default'"), contactsBefore, 'no contact created');
		const forgottenItems = ledgerCount("SELECT COUNT(*) AS n FROM review_items WHERE launch = 'default' AND reason = 'forgotten_person'");
		assert.ok(forgottenItems >= 1, `the review desk says "belongs to a forgotten person" (${forgottenItems} items)`);
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
