/**
 * Issue 20 rows 13 and 11 through a real n8n: the ledger on PostgreSQL behind a TCP proxy the test
 * controls (test/support/pg-proxy.ts — the machine's server is never restarted), with workflows
 * saved the way they were before the Storage parameter existed (a ledger credential selected, no
 * `storage`), so they also show those keep working.
 *
 *  - a database restart: a signup sent while it starts up is answered 201 (one retry on a fresh connection);
 *  - the database down: the capture trigger, the payment trigger and the dashboard answer 503 with
 *    Retry-After and the pack's own words (the hosted form: "try again in a moment"), never n8n's
 *    "Workflow could not be started!" nor a stack trace; back to 201 when it returns;
 *  - row 11: an error n8n itself answers (a trigger whose parameters are wrong) carries no stack trace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client } from 'pg';

import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { freshDatabase, PG_BASE, type TestDatabase } from '../support/stores';

const TEST_WHSEC = 'whsec_outage_e2e';
const LEDGER = { id: 'outageLedger0001', name: 'Ledger through the proxy', type: 'waitlistLedgerApi' };
const STRIPE = { id: 'outageStripe0001', name: 'Stripe outage e2e', type: 'stripeWebhookSecretApi' };
const BASIC = { id: 'outageBasicAuth1', name: 'Launch team', type: 'httpBasicAuth' };
const AUTH = `Basic ${Buffer.from('team:outage-pass').toString('base64')}`;
const ref = (c: { id: string; name: string }) => ({ id: c.id, name: c.name });

function oneNode(id: string, type: string, parameters: Record<string, unknown>, credentials: Record<string, { id: string; name: string }>) {
	return {
		id,
		name: `Outage e2e ${id}`,
		nodes: [{ id: `${id}-n`, name: 'Trigger', type: `n8n-nodes-waitlist-ledger.${type}`, typeVersion: 1, position: [0, 0], webhookId: `${id}-hook`, parameters, credentials }],
		connections: {},
	};
}

const WORKFLOWS = [
	oneNode('outageCapture001', 'waitlistCaptureTrigger', { path: 'outage-signup', launch: 'default' }, { waitlistLedgerApi: ref(LEDGER) }),
	oneNode('outagePurchase01', 'purchaseWebhookTrigger', { path: 'outage-stripe', provider: 'stripe', launch: 'default' }, { waitlistLedgerApi: ref(LEDGER), stripeWebhookSecretApi: ref(STRIPE) }),
	oneNode('outageDashboard1', 'launchMonitorDashboardTrigger', { path: 'outage-dashboard', authentication: 'basicAuth', launch: 'default' }, { waitlistLedgerApi: ref(LEDGER), httpBasicAuth: ref(BASIC) }),
	// Row 11: "Redirect to Thank-You URL" without a URL — the trigger throws, n8n answers the error itself.
	oneNode('outageBroken0001', 'waitlistCaptureTrigger', { path: 'broken-redirect', launch: 'default', respondWith: 'redirect' }, {}),
];

/** Nothing in an answer may point into the server: no stack frames, no file paths. */
function assertNoServerDetails(text: string): void {
	assert.doesNotMatch(text, /stacktrace|\n\s+at |\/node_modules\/|\/work\/|\/tmp\/|\.js:\d+/, `server details in: ${text.slice(0, 400)}`);
}

describe('real n8n: the ledger on PostgreSQL restarts and goes down', () => {
	let db: TestDatabase;
	let proxy: PgProxy;
	let n8n: E2eN8n;
	let seq = 0;
	const signup = (headers: Record<string, string> = {}) => n8n.post('outage-signup', { email: `visitor${++seq}@example.com` }, headers);

	before(async () => {
		db = await freshDatabase('postgres');
		proxy = await startPgProxy();
		const { host, port, database, user, password } = proxy.config;
		n8n = await startE2eN8n({
			workflows: WORKFLOWS,
			credentials: [
				{ ...LEDGER, data: { driver: 'postgres', postgresConnection: 'fields', host, port, database, user, password: password ?? '', ssl: 'disable', schema: (db.config as { schema: string }).schema } },
				{ ...STRIPE, data: { signingSecret: TEST_WHSEC } },
				{ ...BASIC, data: { user: 'team', password: 'outage-pass' } },
			],
		});
	});
	after(async () => {
		await n8n?.stop();
		await proxy?.close();
		await db?.drop();
	});

	it('a workflow saved with a ledger credential and no Storage parameter still uses that credential', async () => {
		const res = await signup();
		assert.equal(res.status, 201, await res.text());
		const client = new Client(PG_BASE);
		await client.connect();
		try {
			const { rows } = await client.query(`SELECT COUNT(*)::int AS n FROM "${(db.config as { schema: string }).schema}".contacts`);
			assert.equal(rows[0].n, 1, 'the signup is in the PostgreSQL ledger behind the credential');
		} finally {
			await client.end();
		}
	});

	it('a database restart: a signup sent while it starts up is answered 201', async () => {
		// Every open session is ended (57P01); the next connection is turned away as "starting up"
		// (57P03), then the server is back — counted, not timed.
		await proxy.restart(1);
		const during = await signup();
		assert.equal(during.status, 201, await during.text());
		assert.equal(proxy.turnedAway(), 1);
		const after = await Promise.all([signup(), signup()]);
		assert.deepEqual(after.map((r) => r.status), [201, 201]);
	});

	it('the database down: 503 with Retry-After and the pack\'s words on every public surface, no stack trace', async () => {
		await proxy.refuse();
		try {
			const json = await signup();
			const jsonText = await json.text();
			assert.equal(json.status, 503, jsonText);
			assert.ok(Number(json.headers.get('retry-after')) > 0, 'Retry-After');
			assert.equal(JSON.parse(jsonText).error, 'ledger_unavailable');
			assertNoServerDetails(jsonText);

			const form = await fetch(n8n.webhookUrl('outage-signup'), {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
				body: 'email=form-visitor%40example.com',
			});
			const page = await form.text();
			assert.equal(form.status, 503);
			assert.ok(form.headers.get('retry-after'));
			assert.match(page, /try again in a moment/);
			assertNoServerDetails(page);

			const formGet = await fetch(n8n.webhookUrl('outage-signup'), { headers: { accept: 'text/html' } });
			assert.equal(formGet.status, 503);
			assert.match(await formGet.text(), /try again in a moment/);

			const event = JSON.stringify(stripe.checkoutCompleted('evt_outage_1', { email: 'buyer@example.com' }));
			const signed = stripeSign(event, TEST_WHSEC);
			const delivery = await fetch(n8n.webhookUrl('outage-stripe'), { method: 'POST', headers: signed.headers, body: signed.rawBody });
			const deliveryText = await delivery.text();
			assert.equal(delivery.status, 503, deliveryText);
			assert.ok(delivery.headers.get('retry-after'));
			assertNoServerDetails(deliveryText);

			const dashboard = await fetch(n8n.webhookUrl('outage-dashboard'), { headers: { authorization: AUTH } });
			const dashboardText = await dashboard.text();
			assert.equal(dashboard.status, 503, dashboardText.slice(0, 300));
			assert.ok(dashboard.headers.get('retry-after'));
			assertNoServerDetails(dashboardText);
		} finally {
			await proxy.accept();
		}
		const back = await signup();
		assert.equal(back.status, 201, await back.text());
	});

	it('row 11: an error n8n answers itself carries no stack trace; the editor still loads in production mode', async () => {
		const res = await n8n.post('broken-redirect', { email: 'someone@example.com' });
		const text = await res.text();
		assert.equal(res.status, 500, text);
		assertNoServerDetails(text);
		const editor = await fetch(`${n8n.baseUrl}/`);
		assert.equal(editor.status, 200);
		assert.match(await editor.text(), /<div id="app"|<html/i);
	});
});
