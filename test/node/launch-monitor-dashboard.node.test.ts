import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { closeAllLedgers, DEFAULT_CAPTURE_POLICY, getLedger, type Ledger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, type FakeRequest, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The Launch Monitor Dashboard Trigger's real webhook() in-process: who may see the pages (never
 * anyone without the credential), what each page holds, that every value is escaped, that the CSV
 * is streamed in pieces, and that "check now" starts the workflow.
 */

const TRIGGER = 'Launch Monitor Dashboard Trigger';
const NEXT = 'Checks';
const USER = 'launch-team';
const PASSWORD = 'correct horse battery staple';

function dashboardWorkflow(parameters: Record<string, unknown> = {}): WorkflowJson {
	return {
		name: 'Dashboard test',
		nodes: [
			{
				id: 'd1',
				name: TRIGGER,
				type: 'n8n-nodes-waitlist-ledger.launchMonitorDashboardTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: 'dashboard-test',
				parameters: { path: 'launch-monitor', launch: 'default', ...parameters },
			},
			{ id: 'd2', name: NEXT, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { [TRIGGER]: { main: [[{ node: NEXT, type: 'main', index: 0 }]] } },
	} as WorkflowJson;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

for (const driver of DRIVERS) {
	describe(`[${driver}] Launch Monitor Dashboard Trigger in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		let withBasicAuth: Record<string, ICredentialDataDecryptedObject>;

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
			withBasicAuth = { ...ledgerCredentialFor(db.config), httpBasicAuth: { user: USER, password: PASSWORD } };
			const policy = { ...DEFAULT_CAPTURE_POLICY, secret: 'test', minSubmitMs: 0 };
			await ledger.capture.capture({
				launch: 'default',
				signup: { email: 'script@example.com', fields: { first_name: '<script>alert(1)</script>' }, attribution: { utm_source: '"><img src=x>', utm_medium: 'email' }, consentGiven: true },
				policy,
				source: 'test',
			});
			await ledger.capture.capture({ launch: 'default', signup: { email: 'ada@example.com', fields: { first_name: 'Ada' }, attribution: {}, consentGiven: true }, policy, source: 'test' });
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const get = (path: string, headers: Record<string, string> = {}, credentials = withBasicAuth, parameters: Record<string, unknown> = {}) =>
			runWebhook(dashboardWorkflow(parameters), { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path, headers } as FakeRequest, credentials });
		const signedIn = { authorization: basic(USER, PASSWORD) };

		it('without a credential selected answers 403 with what to set, and shows nothing of the launch', async () => {
			const { response, workflow } = await get('/webhook/launch-monitor', signedIn, ledgerCredentialFor(db.config));
			assert.equal(response.status, 403);
			const html = String(response.body);
			assert.match(html, /No Basic Auth credential is selected, so nobody can open this page/);
			assert.match(html, /select a Basic Auth credential on the &quot;Launch Monitor Dashboard Trigger&quot; node/);
			assert.doesNotMatch(html, /ada@example\.com|Signups|Delivery health/);
			assert.match(response.headers['content-security-policy'] ?? '', /default-src 'none'/);
			assert.equal(workflow, undefined);
			for (const page of ['signals.json', 'metrics', 'contacts.csv']) {
				const other = await get(`/webhook/launch-monitor/${page}`, signedIn, ledgerCredentialFor(db.config));
				assert.equal(other.response.status, 403, page);
				assert.doesNotMatch(String(other.response.body), /ada@example\.com|waitlist_/);
			}
		});

		it('asks for the password (401) without it or with a wrong one', async () => {
			for (const headers of [{}, { authorization: basic(USER, 'wrong') }, { authorization: basic('someone', PASSWORD) }, { authorization: 'Bearer x' }] as Array<Record<string, string>>) {
				const { response } = await get('/webhook/launch-monitor', headers);
				assert.equal(response.status, 401, JSON.stringify(headers));
				assert.match(response.headers['www-authenticate'] ?? '', /^Basic realm="Launch monitor"/);
				assert.doesNotMatch(String(response.body), /ada@example\.com/);
			}
			const csv = await get('/webhook/launch-monitor/contacts.csv');
			assert.equal(csv.response.status, 401);
			assert.doesNotMatch(String(csv.response.body), /ada@example\.com/);
		});

		it('shows the dashboard: status, five tiles with sparklines (referral signups the fifth), delivery health, review queue, kill switch, latest signups — every value escaped, no script', async () => {
			// A kept window so the sparklines have a point.
			await ledger.monitor.takeSnapshot({ launch: 'default' });
			const { response, workflow } = await get('/webhook/launch-monitor', signedIn);
			assert.equal(response.status, 200);
			assert.equal(workflow, undefined, 'a page view starts no workflow run');
			const csp = response.headers['content-security-policy'] ?? '';
			assert.match(csp, /default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'/);
			assert.equal(response.headers['cache-control'], 'no-store');
			const html = String(response.body);
			const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
			assert.ok(html.includes(`<style nonce="${nonce}">`));
			assert.doesNotMatch(html, /<script|\son[a-z]+=|javascript:|https?:\/\//i, 'no script, no handler, nothing loaded from elsewhere');
			assert.match(html, /All clear: no alert is firing/);
			for (const heading of ['Signups', 'UTM fidelity', 'Purchases matched', 'Flagged signups', 'Referral signups', 'Delivery health', 'Review queue', 'Kill switch', 'Latest signups']) assert.ok(html.includes(`>${heading}`), heading);
			assert.equal((html.match(/<svg class="spark"/g) ?? []).length, 5);
			assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the name shows as text');
			assert.match(html, /&quot;&gt;&lt;img src=x&gt; \/ email/, 'the source too');
			assert.match(html, /<meta http-equiv="refresh" content="60">/);
			assert.match(html, /<a href="\/webhook\/waitlist-kill-switch">Open the kill-switch page<\/a>/);
			assert.match(html, /<form method="post" action="\/webhook\/launch-monitor">/);
		});

		it('shows a firing alert with what to do first, and the kill switch when it is on', async () => {
			await ledger.settings.update('alerting', { alerts: { refusedDeliveries: { maxCount: 0 } } });
			const refused = await ledger.purchases.receive({ launch: 'alerting', provider: 'stripe', headers: { 'stripe-signature': 't=1,v1=00' }, rawBody: '{"id":"evt_bad"}', secret: 'whsec_x' });
			assert.equal(refused.httpStatus, 401);
			await ledger.outbox.pause({ launch: 'alerting', scope: 'grants', by: 'ops@example.com', reason: 'Wrong <b>product</b> mapping', source: 'test' });
			// Judged as the window that holds the refused delivery ends.
			const evaluated = await ledger.monitor.evaluate({ launch: 'alerting', now: Date.now() + 300_000 });
			assert.deepEqual(evaluated.fired.map((f) => f.rule), ['refused_deliveries']);
			const { response } = await get('/webhook/launch-monitor', signedIn, withBasicAuth, { launch: 'alerting' });
			const html = String(response.body);
			assert.match(html, /1 alert firing/);
			assert.match(html, /<h3>Payment deliveries refused<span class="badge critical">critical<\/span><\/h3>/);
			assert.match(html, /What to do first:<\/strong> A burst of bad signatures usually means a wrong signing secret/);
			assert.match(html, /Kill switch <span class="badge on">on<\/span>/);
			assert.match(html, /Access grants are held\./);
			assert.match(html, /Reason: Wrong &lt;b&gt;product&lt;\/b&gt; mapping/);
		});

		it('signals.json, Prometheus metrics and the contacts CSV, streamed in pieces', async () => {
			const json = await get('/webhook/launch-monitor/signals.json', signedIn);
			assert.equal(json.response.status, 200);
			assert.match(json.response.headers['content-type'] ?? '', /^application\/json/);
			const body = JSON.parse(String(json.response.body)) as { launch: string; signals: { ingestion: { newPeople: number } }; alerts: unknown[] };
			assert.equal(body.launch, 'default');
			assert.equal(body.signals.ingestion.newPeople, 2);
			assert.equal(body.alerts.length, 8); // one per rule, sign_in_failures included

			const metrics = await get('/webhook/launch-monitor/metrics', signedIn);
			assert.match(metrics.response.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
			assert.match(String(metrics.response.body), /^waitlist_signups\{launch="default",kind="new"\} 2$/m);

			// 150 more contacts: more than one chunk of 100 lines.
			const outcomes = await ledger.contacts.upsertMany(Array.from({ length: 150 }, (_, i) => ({ launch: 'default', email: `bulk${i}@example.com` })));
			assert.ok(outcomes.every((o) => o.ok));
			const csv = await get('/webhook/launch-monitor/contacts.csv', signedIn);
			assert.equal(csv.response.status, 200);
			assert.match(csv.response.headers['content-type'] ?? '', /^text\/csv/);
			assert.match(csv.response.headers['content-disposition'] ?? '', /^attachment; filename="contacts-default-\d{4}-\d\d-\d\d\.csv"$/);
			assert.ok(csv.response.chunks.length >= 3, `streamed in pieces (header, then pages of lines): ${csv.response.chunks.length}`);
			assert.ok(csv.response.ended);
			const lines = String(csv.response.body).trimEnd().split('\r\n');
			assert.equal(lines.length, 1 + 152);
			assert.match(lines[0]!, /^contact_id,email,phone,status,created_at,first_utm_source,/);
			assert.ok(lines.some((l) => l.includes('script@example.com') && l.includes('<script>alert(1)</script>')), 'CSV is data, not HTML');
		});

		it('Header Auth: the secret header opens it, nothing else does', async () => {
			const credentials = { ...ledgerCredentialFor(db.config), httpHeaderAuth: { name: 'X-Monitor-Key', value: 's3cret-value' } };
			const open = await get('/webhook/launch-monitor/metrics', { 'x-monitor-key': 's3cret-value' }, credentials, { authentication: 'headerAuth' });
			assert.equal(open.response.status, 200);
			const wrong = await get('/webhook/launch-monitor/metrics', { 'x-monitor-key': 's3cret-valuf' }, credentials, { authentication: 'headerAuth' });
			assert.equal(wrong.response.status, 401);
			assert.match(String(wrong.response.body), /Send the header of the Header Auth credential/);
			const basicOnly = await get('/webhook/launch-monitor/metrics', signedIn, credentials, { authentication: 'headerAuth' });
			assert.equal(basicOnly.response.status, 401);
		});

		it('"Check the alerts now" starts the workflow and goes back to the dashboard; from another site it is refused', async () => {
			const post = (headers: Record<string, string>) =>
				runWebhook(dashboardWorkflow(), { node: TRIGGER, webhookName: 'default', request: { method: 'POST', path: '/webhook/launch-monitor', headers } as FakeRequest, credentials: withBasicAuth });
			const checked = await post({ ...signedIn, origin: 'http://localhost:5678', host: 'localhost:5678', 'sec-fetch-site': 'same-origin' });
			assert.equal(checked.response.status, 303);
			assert.equal(checked.response.headers.location, '/webhook/launch-monitor?checked=1');
			const [item] = checked.workflow?.output(NEXT) ?? [];
			assert.deepEqual({ ...item, requestedAt: undefined }, { launch: 'default', via: 'dashboard', requestedAt: undefined });

			const forged = await post({ ...signedIn, origin: 'https://evil.example', host: 'localhost:5678', 'sec-fetch-site': 'cross-site' });
			assert.equal(forged.response.status, 403);
			assert.equal(forged.workflow, undefined);
			const anonymous = await post({ origin: 'http://localhost:5678', host: 'localhost:5678' });
			assert.equal(anonymous.response.status, 401);
			assert.equal(anonymous.workflow, undefined);
		});
	});
}
