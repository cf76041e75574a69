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

type KitSubscriberBody = { email_address: string; first_name: string | null; state: string; fields: Record<string, string> };

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

	it('sends each Kit subscriber with its UTM custom fields, one HubSpot batch call with the UTM properties, grants one at a time with their idempotency keys, and settles every entry', async () => {
		const launch = 'default';
		const people = ['ada', 'bob', 'cy'];
		const utm = { utm_source: 'podcast', utm_medium: 'audio', utm_campaign: 'launch-week', utm_content: 'ep-12', utm_term: 'cohort course' };
		const contact: Record<string, string> = {};
		for (const name of people) {
			// Bob came in with only a source: the other fields go out empty, as the signup template sends them.
			const attribution = name === 'bob' ? { utm_source: 'twitter' } : utm;
			contact[name] = (await ledger.contacts.upsert({ launch, email: `${name}@Example.com`, fields: { first_name: name.toUpperCase() }, attribution })).contactId;
			await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: `esp:${name}`, contactId: contact[name] });
			await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: `crm:${name}`, contactId: contact[name] });
		}
		await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:ada', contactId: contact.ada, payload: { productId: 'course' } });
		await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:bob', contactId: contact.bob, payload: { productId: 'course' } });

		const kitBodies: KitSubscriberBody[] = [];
		nock('https://api.kit.com')
			.post('/v4/subscribers', (body: KitSubscriberBody) => (kitBodies.push(body), true))
			.times(3)
			.reply(() => {
				// Kit's v4 upsert: Ada is new (201), Bob already there (200), Cy's address refused (422).
				const body = kitBodies[kitBodies.length - 1]!;
				if (body.email_address.startsWith('cy')) return [422, { errors: ['Email address is invalid'] }];
				return [body.email_address.startsWith('ada') ? 201 : 200, { subscriber: { id: body.email_address.startsWith('ada') ? 100 : 101, email_address: body.email_address, fields: body.fields } }];
			});
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

		// Kit: one v4 upsert per person, as typed, with the first name and the first-touch UTMs as Kit
		// custom fields (the keys the signup template's Kit step uses).
		const emptyUtm = { utm_source: '', utm_medium: '', utm_campaign: '', utm_content: '', utm_term: '' };
		assert.deepEqual(kitBodies, [
			{ email_address: 'ada@Example.com', first_name: 'ADA', state: 'active', fields: utm },
			{ email_address: 'bob@Example.com', first_name: 'BOB', state: 'active', fields: { ...emptyUtm, utm_source: 'twitter' } },
			{ email_address: 'cy@Example.com', first_name: 'CY', state: 'active', fields: utm },
		]);
		const esp = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
		assert.deepEqual(esp.map((e) => [e.idempotencyKey, e.status, e.responseId]), [['esp:ada', 'done', '100'], ['esp:bob', 'done', '101'], ['esp:cy', 'dead', null]]);
		assert.match(esp[2]!.lastError ?? '', /Kit refused this subscriber \(422\): .*Email address is invalid/);

		// HubSpot: one batch upsert by email with the first-touch UTMs as contact properties; its 429 +
		// Retry-After fails the whole batch for later.
		const inputs = (hubspotBodies[0] as { inputs: Array<{ idProperty: string; id: string; properties: Record<string, string> }> }).inputs;
		assert.deepEqual(
			inputs,
			people.map((n) => ({ idProperty: 'email', id: `${n}@example.com`, properties: { email: `${n}@Example.com`, firstname: n.toUpperCase(), ...(n === 'bob' ? { ...emptyUtm, utm_source: 'twitter' } : utm) } })),
		);
		const crm = await ledger.outbox.list({ launch, kinds: 'crm_sync' });
		assert.ok(crm.every((e) => e.status === 'failed' && /HubSpot answered 429/.test(e.lastError ?? '') && e.nextAttemptAt >= before + 120_000), 'retried no sooner than Retry-After says');

		// Grants: one request each, in order, with the entry's idempotency key; the 503 is retried later.
		assert.deepEqual(deliveries.map((d) => d.key), ['grant:ada', 'grant:bob']);
		assert.deepEqual((deliveries[0]!.body as { email: string; product_id: string }).email, 'ada@Example.com');
		const grants = await ledger.outbox.list({ launch, kinds: 'grant' });
		assert.deepEqual(grants.map((g) => [g.idempotencyKey, g.status, g.responseId]), [['grant:ada', 'done', 'enr_1'], ['grant:bob', 'failed', null]]);
		assert.match(grants[1]!.lastError ?? '', /answered 503/);
	});

	/** Tags the ledger holds, and the tag fixes the real sweep makes from vendor lists whose tags differ. */
	async function tagDrift(): Promise<Record<string, string>> {
		const launch = 'default';
		for (const tag of ['buyer', 'early-bird', 'vip']) await ledger.tags.add({ launch, tag });
		const id: Record<string, string> = {};
		for (const name of ['ada', 'bob', 'cy']) id[name] = (await ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId;
		await ledger.tags.apply({ launch, contactId: id.ada!, tags: ['buyer', 'early-bird'] });
		await ledger.tags.apply({ launch, contactId: id.bob!, tags: ['buyer'] });
		await ledger.tags.apply({ launch, contactId: id.cy!, tags: ['early-bird'] });
		async function* list<T>(records: T[]): AsyncGenerator<T> {
			yield* records;
		}
		await ledger.reconcile.sweep({
			launch,
			// Kit has Ada with vip (a registry tag she does not have) and without her two; Bob without buyer.
			esp: list([
				{ email: 'ada@example.com', id: 1, tags: ['vip'] },
				{ email: 'bob@example.com', id: 2, tags: [] },
				{ email: 'cy@example.com', id: 3, tags: ['early-bird'] },
			]),
			// HubSpot lacks Cy's early-bird.
			crm: list([
				{ email: 'ada@example.com', id: 'h1' },
				{ email: 'bob@example.com', id: 'h2' },
				{ email: 'cy@example.com', id: 'h3', tags: [] },
			]),
		});
		const fixes = await ledger.outbox.list({ launch, kinds: 'tag_sync' });
		assert.deepEqual(
			fixes.map((f) => [f.contactId, f.status, (({ reconcileRunId, ...payload }) => (assert.equal(typeof reconcileRunId, 'string'), payload))(f.payload as Record<string, unknown>)]),
			[
				[id.ada, 'pending', { system: 'esp', email: 'ada@example.com', vendorId: 1, add: ['buyer', 'early-bird'], remove: ['vip'] }],
				[id.bob, 'pending', { system: 'esp', email: 'bob@example.com', vendorId: 2, add: ['buyer'], remove: [] }],
				[id.cy, 'pending', { system: 'crm', email: 'cy@example.com', vendorId: 'h3', add: ['early-bird'], remove: [] }],
			].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
			'the sweep left one tag fix per contact and system',
		);
		return id;
	}

	it('tag fixes from the sweep: Kit tags are looked up, added and removed by email, each fix acked; a failed change fails its fix with the backoff Retry-After asks for; HubSpot fixes are noted, not sent', async () => {
		const launch = 'default';
		const id = await tagDrift();
		const kitTags: string[] = [];
		const changes: string[] = [];
		const kit = nock('https://api.kit.com');
		kit
			.post('/v4/tags', (body: { name: string }) => (kitTags.push(body.name), true))
			.times(3)
			.reply(() => {
				const name = kitTags[kitTags.length - 1]!;
				// vip already exists in Kit (200); the others are created (201).
				return [name === 'vip' ? 200 : 201, { tag: { id: { buyer: 11, 'early-bird': 12, vip: 13 }[name], name, created_at: '2026-11-27T10:00:00Z' } }];
			});
		// nock 15 hands a one-parameter reply function the fetch Request (see test/support/vendor-fakes.cjs).
		const change = async (request: unknown): Promise<string> => {
			const r = request as Request;
			return `${r.method} ${(JSON.parse(await r.text()) as { email_address: string }).email_address} ${new URL(r.url).pathname}`;
		};
		kit
			.intercept(/^\/v4\/tags\/\d+\/subscribers$/, 'POST')
			.times(3)
			.reply(async (request: unknown) => {
				changes.push(await change(request));
				// Kit takes Ada's tags; Bob's buyer tag meets a rate limit.
				return changes[changes.length - 1]!.startsWith('POST bob') ? [429, { errors: ['Rate limit hit'] }, { 'Retry-After': '90' }] : [201, { subscriber: { id: 1 } }];
			});
		kit.intercept('/v4/tags/13/subscribers', 'DELETE').reply(async (request: unknown) => (changes.push(await change(request)), [204, '']));

		const before = Date.now();
		const result = await runWorkflow(template('outbox-drain.json'), { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });
		assert.equal(result.run.data.resultData.error, undefined);
		assert.ok(nock.isDone(), `every Kit call was made: ${nock.pendingMocks().join(', ')}`);

		assert.deepEqual(kitTags.sort(), ['buyer', 'early-bird', 'vip'], 'each tag name looked up once');
		assert.deepEqual(changes.sort(), ['DELETE ada@example.com /v4/tags/13/subscribers', 'POST ada@example.com /v4/tags/11/subscribers', 'POST ada@example.com /v4/tags/12/subscribers', 'POST bob@example.com /v4/tags/11/subscribers']);

		const fixes = new Map((await ledger.outbox.list({ launch, kinds: 'tag_sync' })).map((f) => [f.contactId, f]));
		assert.deepEqual([fixes.get(id.ada!)!.status, fixes.get(id.ada!)!.attempts, fixes.get(id.ada!)!.responseId], ['done', 1, '+buyer +early-bird -vip']);
		const bob = fixes.get(id.bob!)!;
		assert.deepEqual([bob.status, bob.attempts], ['failed', 1]);
		assert.match(bob.lastError ?? '', /Kit answered 429 .*adding the tag "buyer"/);
		assert.ok(bob.nextAttemptAt >= before + 90_000, 'retried no sooner than Retry-After says');
		const cy = fixes.get(id.cy!)!;
		assert.deepEqual([cy.status, cy.responseId], ['done', 'not sent: this template keeps no tags on HubSpot contacts']);
	});

	it('tag fixes: when Kit cannot look a tag up, every Kit tag fix of the run fails for a retry and no tag is changed', async () => {
		const launch = 'default';
		const id = await tagDrift();
		nock('https://api.kit.com').post('/v4/tags').times(3).reply(500, { errors: ['internal error'] });

		const before = Date.now();
		const result = await runWorkflow(template('outbox-drain.json'), { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });
		assert.equal(result.run.data.resultData.error, undefined);
		assert.ok(nock.isDone());
		const fixes = new Map((await ledger.outbox.list({ launch, kinds: 'tag_sync' })).map((f) => [f.contactId, f]));
		for (const name of ['ada', 'bob']) {
			const fix = fixes.get(id[name]!)!;
			assert.deepEqual([fix.status, fix.attempts], ['failed', 1], name);
			assert.match(fix.lastError ?? '', /Kit did not find or create the tag "buyer": answered 500/);
			assert.ok(fix.nextAttemptAt > before, 'backoff');
		}
		assert.equal(fixes.get(id.cy!)!.status, 'done');
	});

	it('scheduled reconciliation: pages through Kit, HubSpot and Stripe, tags the contact Kit lacks and hands its sync to the outbox drain, which sends it with its UTM fields', async () => {
		const launch = 'default';
		const id: Record<string, string> = {};
		const utm = { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring', utm_content: 'hero', utm_term: 'course' };
		for (const name of ['ana', 'ben', 'cleo']) id[name] = (await ledger.contacts.upsert({ launch, email: `${name}@example.com`, fields: { first_name: name }, attribution: utm })).contactId;
		// Signed up before the run starts (one in its very millisecond would wait for the next sweep).
		await new Promise((resolve) => setTimeout(resolve, 5));
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
		// The fix waits for the drain, handed back unattempted: this workflow writes nothing to Kit.
		const fixes = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
		assert.deepEqual(fixes.map((e) => [e.contactId, e.status, e.attempts]), [[id.cleo, 'pending', 0]]);
		assert.ok((await ledger.tags.ofContact(id.cleo!)).some((t) => t.tag === 'reconciled-after-failure'));
		assert.deepEqual(result.output('Reconcile Sweep: compare', 2), [], 'nothing for a person');
		assert.equal(result.ran('Slack: needs a person'), false);
		assert.ok(nock.isDone(), 'every list page was read');

		const kitBodies: KitSubscriberBody[] = [];
		nock('https://api.kit.com')
			.post('/v4/subscribers', (body: KitSubscriberBody) => (kitBodies.push(body), true))
			.reply(201, () => ({ subscriber: { id: 50, email_address: kitBodies[kitBodies.length - 1]!.email_address } }));
		const drain = await runWorkflow(template('outbox-drain.json'), { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });
		assert.equal(drain.run.data.resultData.error, undefined);
		assert.deepEqual(kitBodies, [{ email_address: 'cleo@example.com', first_name: 'cleo', state: 'active', fields: utm }], "Kit's upsert with the first-touch UTM fields");
		assert.deepEqual((await ledger.outbox.list({ launch, kinds: 'esp_sync' })).map((e) => [e.contactId, e.status, e.responseId]), [[id.cleo, 'done', '50']]);
	});
});
