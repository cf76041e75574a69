import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import nock from 'nock';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { freshDatabase, type TestDatabase } from '../support/stores';

/** A template as shipped, with test credentials selected on its vendor steps (as a user does after import). */
function template(file: string): WorkflowJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', file), 'utf8')) as WorkflowJson;
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-base.httpRequest') continue;
		if (node.parameters.genericAuthType === 'httpHeaderAuth') node.credentials = { httpHeaderAuth: { id: 'kit', name: 'Kit' } };
		if (node.parameters.nodeCredentialType === 'hubspotAppToken') node.credentials = { hubspotAppToken: { id: 'hubspot', name: 'HubSpot' } };
		if (node.parameters.nodeCredentialType === 'stripeApi') node.credentials = { stripeApi: { id: 'stripe', name: 'Stripe' } };
	}
	return wf;
}

type KitBulkBody = { subscribers: Array<{ email_address: string }> };

const VENDOR_CREDENTIALS = {
	httpHeaderAuth: { name: 'X-Kit-Api-Key', value: 'kit-key' },
	hubspotAppToken: { appToken: 'hubspot-token' },
	stripeApi: { secretKey: 'sk_test_in_process' },
};

// sqlite only: the template's logic is the same on both drivers (the drivers have their own suites).
describe('[sqlite] outbox-drain and scheduled-reconciliation templates in-process (vendor APIs faked with nock)', () => {
	let db: TestDatabase;
	let ledger: Ledger;
	before(() => nock.disableNetConnect());
	// Each template gets an empty ledger: both use the launch "default", as shipped.
	beforeEach(async () => {
		db = await freshDatabase('sqlite');
		ledger = await getLedger(db.config);
	});
	afterEach(async () => {
		nock.cleanAll();
		await closeAllLedgers();
		await db.drop();
	});
	after(() => nock.enableNetConnect());

	it('sends one Kit bulk and one HubSpot batch call, grants one at a time with their idempotency keys, and settles every entry', async () => {
		const launch = 'default';
		const people = ['ada', 'bob', 'cy'];
		const contact: Record<string, string> = {};
		for (const name of people) {
			contact[name] = (await ledger.contacts.upsert({ launch, email: `${name}@Example.com`, fields: { first_name: name.toUpperCase() }, attribution: { utm_source: 'podcast' } })).contactId;
			await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: `esp:${name}`, contactId: contact[name] });
			await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: `crm:${name}`, contactId: contact[name] });
		}
		await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:ada', contactId: contact.ada, payload: { productId: 'course' } });
		await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:bob', contactId: contact.bob, payload: { productId: 'course' } });

		const kitBodies: unknown[] = [];
		nock('https://api.kit.com')
			.post('/v4/bulk/subscribers', (body: { subscribers: Array<{ email_address: string }> }) => (kitBodies.push(body), true))
			.reply(200, () => ({
				// Kit takes Ada and Bob and refuses Cy's address.
				subscribers: (kitBodies[kitBodies.length - 1] as KitBulkBody).subscribers.filter((s) => !s.email_address.startsWith('cy')).map((s, i) => ({ id: 100 + i, email_address: s.email_address })),
				failures: [{ subscriber: { email_address: 'cy@Example.com' }, errors: ['Email address is invalid'] }],
			}));
		const hubspotBodies: unknown[] = [];
		nock('https://api.hubapi.com')
			.post('/crm/v3/objects/contacts/batch/upsert', (body: unknown) => (hubspotBodies.push(body), true))
			.reply(429, { status: 'error', message: 'You have reached your secondly limit.' }, { 'Retry-After': '120' });
		const deliveries: Array<{ key: string; body: unknown }> = [];
		let key = '';
		nock('https://delivery.example.test')
			.matchHeader('idempotency-key', (value: string | null) => ((key = value ?? ''), true))
			.post('/grant', (body: unknown) => (deliveries.push({ key, body }), true))
			.reply(() => (deliveries.length === 1 ? [200, { id: 'enr_1' }] : [503, { error: 'maintenance' }]))
			.persist();

		const before = Date.now();
		const result = await runWorkflow(template('outbox-drain.json'), { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });
		assert.equal(result.run.data.resultData.error, undefined);

		// Kit: one call, each person once, as typed, with the first name.
		assert.deepEqual(kitBodies, [{ subscribers: people.map((n) => ({ email_address: `${n}@Example.com`, first_name: n.toUpperCase(), state: 'active' })) }]);
		const esp = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
		assert.deepEqual(esp.map((e) => [e.idempotencyKey, e.status, e.responseId]), [['esp:ada', 'done', '100'], ['esp:bob', 'done', '101'], ['esp:cy', 'dead', null]]);
		assert.match(esp[2]!.lastError ?? '', /Kit did not take this subscriber: .*Email address is invalid/);

		// HubSpot: one batch upsert by email with first-touch UTMs; its 429 + Retry-After fails the whole batch for later.
		const inputs = (hubspotBodies[0] as { inputs: Array<{ idProperty: string; id: string; properties: Record<string, string> }> }).inputs;
		assert.deepEqual(inputs.map((i) => [i.idProperty, i.id, i.properties.firstname, i.properties.utm_source]), people.map((n) => ['email', `${n}@example.com`, n.toUpperCase(), 'podcast']));
		const crm = await ledger.outbox.list({ launch, kinds: 'crm_sync' });
		assert.ok(crm.every((e) => e.status === 'failed' && /HubSpot answered 429/.test(e.lastError ?? '') && e.nextAttemptAt >= before + 120_000), 'retried no sooner than Retry-After says');

		// Grants: one request each, in order, with the entry's idempotency key; the 503 is retried later.
		assert.deepEqual(deliveries.map((d) => d.key), ['grant:ada', 'grant:bob']);
		assert.deepEqual((deliveries[0]!.body as { email: string; product_id: string }).email, 'ada@Example.com');
		const grants = await ledger.outbox.list({ launch, kinds: 'grant' });
		assert.deepEqual(grants.map((g) => [g.idempotencyKey, g.status, g.responseId]), [['grant:ada', 'done', 'enr_1'], ['grant:bob', 'failed', null]]);
		assert.match(grants[1]!.lastError ?? '', /answered 503/);
	});

	it('scheduled reconciliation: pages through Kit, HubSpot and Stripe, syncs the contact Kit lacks through the same vendor step, and tags it', async () => {
		const launch = 'default';
		const id: Record<string, string> = {};
		for (const name of ['ana', 'ben', 'cleo']) id[name] = (await ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId;
		const kitPages: string[] = [];
		nock('https://api.kit.com')
			.get('/v4/subscribers')
			.query(true)
			.times(2)
			.reply((request: unknown) => {
				// nock 15 hands a reply function the fetch Request (see test/support/vendor-fakes.cjs).
				const url = typeof request === 'string' ? request : (request as { url: string }).url;
				const after = new URL(url, 'https://api.kit.com').searchParams.get('after');
				kitPages.push(after ?? '(first)');
				return after === 'cursor-1'
					? [200, { subscribers: [{ id: 2, email_address: 'ben@example.com' }], pagination: { has_next_page: false, end_cursor: 'cursor-2' } }]
					: [200, { subscribers: [{ id: 1, email_address: 'ANA@example.com' }], pagination: { has_next_page: true, end_cursor: 'cursor-1' } }];
			});
		const kitBodies: Array<{ subscribers: Array<{ email_address: string }> }> = [];
		nock('https://api.kit.com')
			.post('/v4/bulk/subscribers', (body: { subscribers: Array<{ email_address: string }> }) => (kitBodies.push(body), true))
			.reply(200, () => ({ subscribers: kitBodies[kitBodies.length - 1]!.subscribers.map((s, i) => ({ id: 50 + i, email_address: s.email_address })), failures: [] }));
		nock('https://api.hubapi.com')
			.get('/crm/v3/objects/contacts')
			.query(true)
			.reply(200, { results: ['ana', 'ben', 'cleo'].map((n, i) => ({ id: String(700 + i), properties: { email: `${n}@example.com` } })) });
		nock('https://api.stripe.com').get('/v1/charges').query(true).reply(200, { object: 'list', data: [], has_more: false });

		const result = await runWorkflow(template('scheduled-reconciliation.json'), { trigger: { node: 'Every hour', items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });
		assert.equal(result.run.data.resultData.error, undefined);
		assert.deepEqual(kitPages, ['(first)', 'cursor-1'], 'Kit read page by page');

		const [report] = result.output('Sweep report');
		assert.deepEqual(report!.compared, { esp: 2, crm: 3 });
		assert.deepEqual(report!.notCompared, ['Checkout Orders', 'Delivery Enrollments'], 'an empty Stripe list is not compared');
		assert.equal(((report!.systems as Record<string, { missingInVendor: number }>).esp!).missingInVendor, 1);
		assert.deepEqual(kitBodies, [{ subscribers: [{ email_address: 'cleo@example.com', first_name: null, state: 'active' }] }]);
		const fixes = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
		assert.deepEqual(fixes.map((e) => [e.contactId, e.status, e.responseId]), [[id.cleo, 'done', '50']]);
		assert.ok((await ledger.tags.ofContact(id.cleo!)).some((t) => t.tag === 'reconciled-after-failure'));
		assert.deepEqual(result.output('Needs a person'), []);
	});
});
