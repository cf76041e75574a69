import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import nock from 'nock';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The vendor pieces (workflows/vendors/): each claims its kind of outbox work, calls the vendor with
 * n8n's own node (or HTTP Request where n8n has none) and acks or fails each entry. Vendor APIs are
 * faked with nock, each fake keeping records the way the vendor does, so a repeat is visible.
 */

const piece = (file: string) => JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'vendors', file), 'utf8')) as WorkflowJson;

const CREDENTIALS = {
	mailerLiteApi: { apiKey: 'ml-key', classicApi: false },
	pipedriveApi: { apiToken: 'pd-token' },
	httpHeaderAuth: { name: 'apiKey', value: 'teachable-key' },
	activeCampaignApi: { apiUrl: 'https://acct.api-us1.com', apiKey: 'ac-key' },
	mailchimpApi: { apiKey: 'mc-key-us21' },
};

const UTM = { utm_source: 'podcast', utm_medium: 'audio', utm_campaign: 'launch-week', utm_content: 'ep-12', utm_term: 'course' };
const NO_UTM = { utm_source: '', utm_medium: '', utm_campaign: '', utm_content: '', utm_term: '' };
/** A contact outside the line (added by Waitlist Contact, not a signup) has no referral fields to send. */
const NO_REFERRAL = { referral_link: '', place_in_line: '', referral_count: '' };
const LANDING = 'https://example.com/waitlist';

type Reply = [number, unknown, Record<string, string>?];
type Scripted = (body: Record<string, unknown>) => Reply | null;

/** MailerLite's `POST /subscribers`: one subscriber per email (case-insensitive), created or updated. */
function fakeMailerLite(script: Scripted = () => null) {
	const subscribers = new Map<string, { id: string; email: string; fields: Record<string, string> }>();
	const calls: Array<Record<string, unknown>> = [];
	nock('https://connect.mailerlite.com')
		.matchHeader('authorization', 'Bearer ml-key')
		.post('/api/subscribers')
		.reply(async (request: unknown) => {
			const body = JSON.parse(await (request as Request).text()) as Record<string, unknown>;
			calls.push(body);
			const scripted = script(body);
			if (scripted) return scripted;
			const key = String(body.email).toLowerCase();
			const existing = subscribers.get(key);
			const record = { id: existing?.id ?? `ml_${subscribers.size + 1}`, email: String(body.email), fields: { ...existing?.fields, ...(body.fields as Record<string, string>) } };
			subscribers.set(key, record);
			return [existing ? 200 : 201, { data: record }];
		})
		.persist();
	return { subscribers, calls };
}

type PipedrivePerson = { id: number; name: string; emails: Array<{ value: string }>; phones: Array<{ value: string }>; custom: Record<string, unknown> };
const PD_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'].map((name, i) => ({ field_code: `f${i}_${name}`, field_name: name, field_type: 'varchar' }));

/**
 * Pipedrive: persons by id, v1 search (exact, by email or phone), v2 create and PATCH update, the v2
 * person fields the node reads to find custom fields by name. Nothing stops a second person with the
 * same email — as in Pipedrive — so a repeat that creates shows up as two persons.
 */
function fakePipedrive(script: (method: string, path: string) => Reply | null = () => null) {
	const persons = new Map<number, PipedrivePerson>();
	const calls: string[] = [];
	const api = nock('https://api.pipedrive.com');
	const answer = (method: string, path: string, ok: () => Reply) => {
		calls.push(`${method} ${path}`);
		return script(method, path) ?? ok();
	};
	const write = (person: PipedrivePerson, body: Record<string, unknown>) => {
		if (body.name) person.name = String(body.name);
		if (Array.isArray(body.emails)) person.emails = (body.emails as Array<{ value: string }>).filter((e) => e.value).map((e) => ({ value: e.value }));
		if (Array.isArray(body.phones)) person.phones = (body.phones as Array<{ value: string }>).filter((p) => p.value).map((p) => ({ value: p.value }));
		person.custom = { ...person.custom, ...(body.custom_fields as Record<string, unknown>) };
		return person;
	};
	api.get('/api/v2/personFields').query((q) => q.api_token === 'pd-token').reply(() => answer('GET', '/personFields', () => [200, { success: true, data: PD_FIELDS, additional_data: { next_cursor: null } }])).persist();
	api.get('/v1/persons/search').query((q) => q.api_token === 'pd-token').reply((request: unknown) => {
		const q = new URL((request as Request).url).searchParams;
		const term = String(q.get('term')).toLowerCase();
		const byPhone = q.get('fields') === 'phone';
		return answer('GET', `/persons/search ${q.get('fields')}=${term}`, () => {
			const found = [...persons.values()].filter((p) => (byPhone ? p.phones : p.emails).some((e) => e.value.toLowerCase() === term));
			return [200, { success: true, data: { items: found.slice(0, 1).map((item) => ({ result_score: 1, item: { id: item.id, name: item.name, emails: item.emails.map((e) => e.value) } })) } }];
		});
	}).persist();
	api.post('/api/v2/persons').query((q) => q.api_token === 'pd-token').reply(async (request: unknown) => {
		const body = JSON.parse(await (request as Request).text()) as Record<string, unknown>;
		return answer('POST', '/persons', () => {
			const person = write({ id: 100 + persons.size + 1, name: '', emails: [], phones: [], custom: {} }, body);
			persons.set(person.id, person);
			return [201, { success: true, data: { id: person.id, name: person.name } }];
		});
	}).persist();
	api.patch(/^\/api\/v2\/persons\/\d+/).query((q) => q.api_token === 'pd-token').reply(async (request: unknown) => {
		const r = request as Request;
		const id = Number(new URL(r.url).pathname.split('/').pop());
		const body = JSON.parse(await r.text()) as Record<string, unknown>;
		return answer('PATCH', `/persons/${id}`, () => {
			const person = persons.get(id);
			return person ? [200, { success: true, data: { id, name: write(person, body).name } }] : [404, { success: false, error: 'Person not found' }];
		});
	}).persist();
	return { persons, calls };
}

/** Teachable's Admin API: users by email, user create, enroll / unenroll (a set: a repeat changes nothing). */
function fakeTeachable(script: (method: string, path: string) => Reply | null = () => null) {
	const users = new Map<string, { id: number; email: string; name: string }>();
	const enrollments = new Set<string>();
	const calls: string[] = [];
	const api = nock('https://developers.teachable.com').matchHeader('apikey', 'teachable-key');
	const answer = (call: string, ok: () => Reply) => {
		calls.push(call);
		return script(call.split(' ')[0]!, call.split(' ')[1]!) ?? ok();
	};
	api.get('/v1/users').query(true).reply((request: unknown) => {
		const email = String(new URL((request as Request).url).searchParams.get('email')).toLowerCase();
		return answer(`GET /users ${email}`, () => [200, { users: users.has(email) ? [users.get(email)] : [], meta: { total: users.has(email) ? 1 : 0 } }]);
	}).persist();
	api.post('/v1/users').reply(async (request: unknown) => {
		const body = JSON.parse(await (request as Request).text()) as { email: string; name: string };
		return answer(`POST /users ${body.email}`, () => {
			const user = { id: 500 + users.size + 1, email: body.email, name: body.name };
			users.set(body.email.toLowerCase(), user);
			return [201, user];
		});
	}).persist();
	for (const action of ['enroll', 'unenroll']) {
		api.post(`/v1/${action}`).reply(async (request: unknown) => {
			const body = JSON.parse(await (request as Request).text()) as { user_id: number; course_id: number };
			return answer(`POST /${action} ${body.user_id}:${body.course_id}`, () => {
				if (action === 'enroll') enrollments.add(`${body.user_id}:${body.course_id}`);
				else enrollments.delete(`${body.user_id}:${body.course_id}`);
				return [200, { message: `${action}ed` }];
			});
		}).persist();
	}
	return { users, enrollments, calls };
}

/** ActiveCampaign's `POST /api/3/contact/sync`: creates the contact or updates the one with that email. */
function fakeActiveCampaign(script: Scripted = () => null) {
	const contacts = new Map<string, { id: string; email: string; firstName: string; fieldValues: Array<{ field: string; value: string }> }>();
	const calls: Array<Record<string, unknown>> = [];
	nock('https://acct.api-us1.com')
		.matchHeader('api-token', 'ac-key')
		.post('/api/3/contact/sync')
		.reply(async (request: unknown) => {
			const body = JSON.parse(await (request as Request).text()) as { contact: Record<string, unknown> };
			calls.push(body.contact);
			const scripted = script(body.contact);
			if (scripted) return scripted;
			const key = String(body.contact.email).toLowerCase();
			const existing = contacts.get(key);
			const record = { id: existing?.id ?? String(contacts.size + 1), email: String(body.contact.email), firstName: String(body.contact.firstName ?? ''), fieldValues: body.contact.fieldValues as Array<{ field: string; value: string }> };
			contacts.set(key, record);
			return [existing ? 200 : 201, { contact: record }];
		})
		.persist();
	return { contacts, calls };
}

/** The ActiveCampaign piece with the creator's field IDs filled in (step 2 of its note). */
function activeCampaignPiece(): WorkflowJson {
	const wf = piece('esp-activecampaign.json');
	const ids = wf.nodes.find((n) => n.name === 'Your ActiveCampaign field IDs')!;
	ids.parameters.jsonOutput = JSON.stringify({ fields: { utm_source: '11', utm_medium: '12', utm_campaign: '13', utm_content: '14', utm_term: '15', referral_link: '16', place_in_line: '17', referral_count: '18' } });
	return wf;
}

/** Mailchimp's `PUT /lists/{list}/members/{md5(lowercase email)}`: add or update, one member per hash. */
function fakeMailchimp(script: Scripted = () => null) {
	const members = new Map<string, { id: string; email_address: string; merge_fields: Record<string, string> }>();
	const calls: Array<{ hash: string; body: Record<string, unknown> }> = [];
	nock('https://us21.api.mailchimp.com')
		.matchHeader('authorization', 'apikey mc-key-us21')
		.put(/^\/3\.0\/lists\/aud-1\/members\/[0-9a-f]{32}$/)
		.reply(async (request: unknown) => {
			const r = request as Request;
			const hash = new URL(r.url).pathname.split('/').pop()!;
			const body = JSON.parse(await r.text()) as Record<string, unknown>;
			calls.push({ hash, body });
			const scripted = script(body);
			if (scripted) return scripted;
			const existing = members.get(hash);
			const member = { id: hash, email_address: String(body.email_address), merge_fields: { ...existing?.merge_fields, ...(body.merge_fields as Record<string, string>) } };
			members.set(hash, member);
			return [200, member];
		})
		.persist();
	return { members, calls };
}

function mailchimpPiece(): WorkflowJson {
	const wf = piece('esp-mailchimp.json');
	wf.nodes.find((n) => n.name === 'Your Mailchimp audience')!.parameters.jsonOutput = JSON.stringify({ dc: 'us21', listId: 'aud-1' });
	return wf;
}

// sqlite only: the pieces' logic is the same on both drivers (the drivers have their own suites).
describe('[sqlite] vendor pieces in-process (vendor APIs faked with nock)', () => {
	let db: TestDatabase;
	let ledger: Ledger;
	const launch = 'default';
	before(() => nock.disableNetConnect());
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

	const run = async (file: string | WorkflowJson) => {
		const wf = typeof file === 'string' ? piece(file) : file;
		const trigger = wf.nodes.some((n) => n.name === 'Every hour') ? 'Every hour' : 'Every minute';
		const result = await runWorkflow(wf, { trigger: { node: trigger, items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...CREDENTIALS } });
		assert.equal(result.run.data.resultData.error, undefined, JSON.stringify(result.run.data.resultData.error));
		return result;
	};
	/** Makes every failed entry due now (a claim an hour ahead, then a release now), as if its wait were over. */
	const makeDue = async (kinds: string) => {
		const claimed = await ledger.outbox.claim({ launch, kinds, limit: 100, leaseMs: 60_000, workerId: 'clock', now: Date.now() + 3_600_000 });
		await ledger.outbox.release(launch, claimed.map((e) => ({ id: e.id, claimToken: e.claimToken })));
	};
	const contactWithSync = async (kind: string, email: string | undefined, extra: { phone?: string; first_name?: string; attribution?: object } = {}) => {
		if (!email) await ledger.settings.update(launch, { canonicalKey: 'phone' });
		const { contactId } = await ledger.contacts.upsert({ launch, email, phone: extra.phone, fields: extra.first_name ? { first_name: extra.first_name } : {}, attribution: extra.attribution as Record<string, unknown> });
		const entry = await ledger.outbox.enqueue({ launch, kind, idempotencyKey: `${kind}:${contactId}:${Math.random()}`, contactId });
		return { contactId, entryId: entry.id };
	};

	describe('MailerLite (esp-mailerlite.json, n8n\'s MailerLite node)', () => {
		it('first sync: each subscriber with its name and first-touch UTM fields, acked with MailerLite\'s subscriber ID', async () => {
			const ada = await contactWithSync('esp_sync', 'ada@Example.com', { first_name: 'Ada', attribution: UTM });
			const bob = await contactWithSync('esp_sync', 'bob@example.com', { attribution: { utm_source: 'twitter' } });
			const fake = fakeMailerLite();
			await run('esp-mailerlite.json');
			assert.deepEqual(fake.calls, [
				{ email: 'ada@Example.com', status: 'active', fields: { name: 'Ada', ...UTM, ...NO_REFERRAL } },
				{ email: 'bob@example.com', status: 'active', fields: { name: '', ...NO_UTM, utm_source: 'twitter', ...NO_REFERRAL } },
			]);
			const entries = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
			assert.deepEqual(entries.map((e) => [e.id, e.status, e.responseId]), [[ada.entryId, 'done', 'ml_1'], [bob.entryId, 'done', 'ml_2']]);
		});

		it('repeat sync: a second sync of the same person updates the one subscriber (no second record)', async () => {
			const { contactId } = await contactWithSync('esp_sync', 'ada@example.com');
			const fake = fakeMailerLite();
			await run('esp-mailerlite.json');
			// The name arrives later (the launch's default policy fills empty fields).
			await ledger.contacts.upsert({ launch, email: 'ADA@example.com', fields: { first_name: 'Ada L' } });
			await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp_sync:again', contactId });
			await run('esp-mailerlite.json');
			assert.equal(fake.calls.length, 2);
			assert.deepEqual([...fake.subscribers.values()].map((s) => [s.id, s.fields.name]), [['ml_1', 'Ada L']], 'one subscriber, updated');
			assert.deepEqual((await ledger.outbox.list({ launch, kinds: 'esp_sync' })).map((e) => [e.status, e.responseId]), [['done', 'ml_1'], ['done', 'ml_1']]);
		});

		it('429 with Retry-After: failed and not retried before the rate-limit window; 422 (invalid address): dead at once', async () => {
			const limited = await contactWithSync('esp_sync', 'ada@example.com');
			const refused = await contactWithSync('esp_sync', 'bad@example.com');
			fakeMailerLite((body) =>
				body.email === 'bad@example.com'
					? [422, { message: 'The email must be a valid email address.', errors: { email: ['The email must be a valid email address.'] } }]
					: [429, { message: 'Too Many Attempts.' }, { 'Retry-After': '45' }],
			);
			const before = Date.now();
			await run('esp-mailerlite.json');
			const a = await ledger.outbox.get(limited.entryId);
			assert.equal(a?.status, 'failed');
			assert.match(a?.lastError ?? '', /^MailerLite: The service is receiving too many requests from you/);
			assert.ok(a!.nextAttemptAt >= before + 45_000, `retried no sooner than Retry-After (45 s): in ${(a!.nextAttemptAt - before) / 1000} s`);
			const b = await ledger.outbox.get(refused.entryId);
			assert.equal(b?.status, 'dead');
			assert.match(b?.lastError ?? '', /^MailerLite: Your request is invalid/);
		});

		it('500 then success: the entry fails, is retried once due, and is done with one subscriber', async () => {
			const { entryId } = await contactWithSync('esp_sync', 'ada@example.com');
			let first = true;
			const fake = fakeMailerLite(() => (first ? ((first = false), [500, { message: 'Server Error' }]) : null));
			await run('esp-mailerlite.json');
			assert.deepEqual([(await ledger.outbox.get(entryId))?.status, (await ledger.outbox.get(entryId))?.lastError], ['failed', 'MailerLite: The service was not able to process your request']);
			await run('esp-mailerlite.json');
			assert.equal(fake.calls.length, 1, 'not due yet: nothing sent');
			await makeDue('esp_sync');
			await run('esp-mailerlite.json');
			const entry = await ledger.outbox.get(entryId);
			assert.deepEqual([entry?.status, entry?.responseId, entry?.attempts, fake.subscribers.size], ['done', 'ml_1', 2, 1]);
		});

		it('list fetch for reconciliation: every page to the end; a contact MailerLite lacks gets one sync fix, a phone-only contact none', async () => {
			const listed = ['ada', 'bob', 'cy'];
			for (const name of listed) await ledger.contacts.upsert({ launch, email: `${name}@example.com` });
			const dan = (await ledger.contacts.upsert({ launch, email: 'dan@example.com' })).contactId;
			await ledger.settings.update(launch, { canonicalKey: 'phone' });
			await ledger.contacts.upsert({ launch, phone: '+1 415 555 2671' });
			const pages: Array<string | null> = [];
			nock('https://connect.mailerlite.com')
				.get('/api/subscribers')
				.query(true)
				.times(2)
				.reply((request: unknown) => {
					const cursor = new URL((request as Request).url).searchParams.get('cursor');
					pages.push(cursor);
					const page = cursor === 'page-2' ? listed.slice(2) : listed.slice(0, 2);
					const next = cursor === 'page-2' ? null : 'page-2';
					return [200, { data: page.map((n, i) => ({ id: `ml_${n}_${i}`, email: `${n}@example.com`, status: 'active' })), links: { next: next ? `https://connect.mailerlite.com/api/subscribers?cursor=${next}` : null }, meta: { next_cursor: next } }];
				});
			await run('reconcile-mailerlite.json');
			assert.deepEqual(pages, [null, 'page-2'], 'both pages fetched, then it stopped');
			const fixes = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
			assert.deepEqual(fixes.map((f) => [f.contactId, f.status, f.idempotencyKey]), [[dan, 'pending', `reconcile:esp_sync:${dan}`]]);
		});

		it('a phone-only contact\'s sync waits (nothing sent); once an email is linked it goes out once', async () => {
			const { contactId, entryId } = await contactWithSync('esp_sync', undefined, { phone: '+1 415 555 2671' });
			assert.equal((await ledger.outbox.get(entryId))?.status, 'waiting');
			const fake = fakeMailerLite();
			await run('esp-mailerlite.json');
			assert.equal(fake.calls.length, 0);
			await ledger.contacts.link({ launch, contactId, kind: 'email', value: 'phone-first@example.com' });
			await run('esp-mailerlite.json');
			await run('esp-mailerlite.json');
			assert.deepEqual(fake.calls.map((c) => c.email), ['phone-first@example.com']);
			assert.equal((await ledger.outbox.get(entryId))?.status, 'done');
		});
	});
	describe('Pipedrive (crm-pipedrive.json, n8n\'s Pipedrive node): search by email and by the ledger\'s person ID before create', () => {
		it('first sync: searched, not found, created with the UTM custom fields, the person ID kept in the ledger and acked', async () => {
			const ada = await contactWithSync('crm_sync', 'ada@example.com', { first_name: 'Ada', attribution: UTM });
			const fake = fakePipedrive();
			await run('crm-pipedrive.json');
			assert.deepEqual([...fake.persons.values()], [{ id: 101, name: 'Ada', emails: [{ value: 'ada@example.com' }], phones: [], custom: Object.fromEntries(PD_FIELDS.map((f) => [f.field_code, UTM[f.field_name as keyof typeof UTM]])) }]);
			assert.deepEqual(fake.calls.filter((c) => !c.endsWith('/personFields')), ['GET /persons/search email=ada@example.com', 'POST /persons']);
			const entry = await ledger.outbox.get(ada.entryId);
			assert.deepEqual([entry?.status, entry?.responseId], ['done', '101']);
			assert.equal((await ledger.contacts.find({ launch, kind: 'ext:pipedrive', value: '101' }))?.id, ada.contactId, 'the ledger holds the person ID');
		});

		it('repeat sync: the held person ID is updated (no search, no second person); a person made elsewhere is found by email, not created again', async () => {
			const ada = await contactWithSync('crm_sync', 'ada@example.com', { first_name: 'Ada' });
			const fake = fakePipedrive();
			await run('crm-pipedrive.json');
			await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'crm_sync:again', contactId: ada.contactId });
			fake.calls.length = 0;
			await run('crm-pipedrive.json');
			assert.deepEqual(fake.calls.filter((c) => !c.endsWith('/personFields')), ['PATCH /persons/101']);
			// Bob is already in Pipedrive (added by hand); the ledger has no ID for him yet.
			fake.persons.set(7, { id: 7, name: 'Bob', emails: [{ value: 'Bob@Example.com' }], phones: [], custom: {} });
			const bob = await contactWithSync('crm_sync', 'bob@example.com');
			fake.calls.length = 0;
			await run('crm-pipedrive.json');
			assert.deepEqual(fake.calls.filter((c) => !c.endsWith('/personFields')), ['GET /persons/search email=bob@example.com', 'PATCH /persons/7']);
			assert.equal(fake.persons.size, 2, 'one person each');
			assert.deepEqual((await ledger.outbox.list({ launch, kinds: 'crm_sync' })).map((e) => [e.contactId, e.status, e.responseId]), [[ada.contactId, 'done', '101'], [ada.contactId, 'done', '101'], [bob.contactId, 'done', '7']]);
		});

		it('a phone-only contact is searched by phone and created without an email', async () => {
			const { entryId } = await contactWithSync('crm_sync', undefined, { phone: '+1 415 555 2671' });
			const fake = fakePipedrive();
			await run('crm-pipedrive.json');
			assert.deepEqual(fake.calls.filter((c) => !c.endsWith('/personFields')), ['GET /persons/search phone=+14155552671', 'POST /persons']);
			assert.deepEqual([...fake.persons.values()].map((p) => [p.name, p.emails, p.phones]), [['+14155552671', [], [{ value: '+14155552671' }]]]);
			assert.equal((await ledger.outbox.get(entryId))?.status, 'done');
		});

		it('429 with Retry-After: failed, not retried before 10 s; 500 then success: retried once due, one person', async () => {
			const { entryId } = await contactWithSync('crm_sync', 'ada@example.com');
			let creates = 0;
			const fake = fakePipedrive((method, path) => {
				if (path.startsWith('/persons/search') && fake.calls.filter((c) => c.startsWith('GET /persons/search')).length === 1) return [429, { success: false, error: 'Rate limit exceeded' }, { 'Retry-After': '2' }];
				if (method === 'POST' && ++creates === 1) return [500, { success: false, error: 'Internal server error' }];
				return null;
			});
			const before = Date.now();
			await run('crm-pipedrive.json');
			let entry = await ledger.outbox.get(entryId);
			assert.equal(entry?.status, 'failed');
			assert.match(entry?.lastError ?? '', /^Pipedrive failed: The service is receiving too many requests from you/, JSON.stringify(fake.calls));
			assert.ok(entry!.nextAttemptAt >= before + 10_000, `retried in ${(entry!.nextAttemptAt - before) / 1000} s`);
			assert.ok(!fake.calls.includes('POST /persons'), 'a search that did not answer never leads to a create');
			await makeDue('crm_sync');
			await run('crm-pipedrive.json');
			entry = await ledger.outbox.get(entryId);
			assert.deepEqual([entry?.status, entry?.lastError], ['failed', 'Pipedrive failed: The service was not able to process your request']);
			await makeDue('crm_sync');
			await run('crm-pipedrive.json');
			entry = await ledger.outbox.get(entryId);
			assert.deepEqual([entry?.status, entry?.responseId, fake.persons.size], ['done', '101', 1]);
		});

		it('an answer without a person ID is a failure, never done (no ext:pipedrive "undefined" in the ledger); the retry creates the one person', async () => {
			const { contactId, entryId } = await contactWithSync('crm_sync', 'ada@example.com');
			let creates = 0;
			const fake = fakePipedrive((method) => (method === 'POST' && ++creates === 1 ? [200, { success: true, data: {} }] : null));
			await run('crm-pipedrive.json');
			let entry = await ledger.outbox.get(entryId);
			assert.deepEqual([entry?.status, entry?.lastError], ['failed', 'Pipedrive failed: answered without a person ID']);
			assert.deepEqual((await ledger.contacts.get(contactId))?.identifiers.filter((i) => i.kind === 'ext:pipedrive'), []);
			await makeDue('crm_sync');
			await run('crm-pipedrive.json');
			entry = await ledger.outbox.get(entryId);
			assert.deepEqual([entry?.status, entry?.responseId, fake.persons.size], ['done', '101', 1]);
		});

		it('list fetch for reconciliation (reconcile-pipedrive.json): every page by Pipedrive\'s cursor to the end; a contact Pipedrive lacks gets one CRM sync fix; a phone-only person is left out of the list', async () => {
			const fake = fakePipedrive();
			for (const name of ['ada', 'bob']) await ledger.contacts.upsert({ launch, email: `${name}@example.com` });
			const dan = (await ledger.contacts.upsert({ launch, email: 'dan@example.com' })).contactId;
			for (let i = 0; i < 1000; i++) fake.persons.set(1000 + i, { id: 1000 + i, name: '', emails: [{ value: `person${i}@example.com` }], phones: [], custom: {} });
			fake.persons.set(5, { id: 5, name: 'Ada', emails: [{ value: 'other@example.com' }, { value: 'Ada@Example.com', primary: true } as { value: string }], phones: [], custom: {} });
			fake.persons.set(6, { id: 6, name: 'Bob', emails: [{ value: 'bob@example.com' }], phones: [], custom: {} });
			fake.persons.set(7, { id: 7, name: '+14155552671', emails: [], phones: [{ value: '+14155552671' }], custom: {} });
			const cursors: Array<string | null> = [];
			nock('https://api.pipedrive.com').get('/api/v2/persons').query((q) => q.api_token === 'pd-token').times(4).reply((request: unknown) => {
				const q = new URL((request as Request).url).searchParams;
				const all = [...fake.persons.values()].sort((a, b) => a.id - b.id);
				const limit = Number(q.get('limit'));
				const start = Number(q.get('cursor') ?? 0);
				cursors.push(q.get('cursor'));
				const next = start + limit < all.length ? String(start + limit) : null;
				const data = all.slice(start, start + limit).map((p) => ({ id: p.id, name: p.name, emails: p.emails.map((e) => ({ label: 'work', primary: false, ...e })), phones: p.phones, custom_fields: {} }));
				return [200, { success: true, data, additional_data: { next_cursor: next } }];
			});
			const result = await run('reconcile-pipedrive.json');
			assert.deepEqual(cursors, [null, '500', '1000'], 'three pages, then it stopped');
			assert.equal(result.output('Phone only: left out').length, 1);
			const [report] = result.output('Reconcile Sweep: compare', 1) as Array<{ compared: Record<string, number>; systems: Record<string, Record<string, number>> }>;
			assert.deepEqual([report!.compared.crm, report!.systems.crm!.unknownInLedger, report!.systems.crm!.invalid], [1002, 1000, 0], 'Ada by her primary email');
			const fixes = await ledger.outbox.list({ launch, kinds: 'crm_sync' });
			assert.deepEqual(fixes.map((f) => [f.contactId, f.status, f.idempotencyKey]), [[dan, 'pending', `reconcile:crm_sync:${dan}`]]);
		});
	});
	describe('Teachable (access-teachable.json, HTTP Request on Teachable\'s Admin API)', () => {
		const grant = async (email: string, kind = 'grant', key = `${kind}:${email}`) => {
			const contactId = (await ledger.contacts.upsert({ launch, email, fields: { first_name: 'Ada' } })).contactId;
			return (await ledger.outbox.enqueue({ launch, kind, idempotencyKey: key, contactId, payload: { productId: 'course' } })).id;
		};

		it('first grant: the user is created and enrolled in the mapped course; a repeat grant and a revoke change the one enrollment, in order', async () => {
			const first = await grant('ada@example.com');
			const fake = fakeTeachable();
			await run('access-teachable.json');
			assert.deepEqual(fake.calls, ['GET /users ada@example.com', 'POST /users ada@example.com', 'POST /enroll 501:1234567']);
			assert.deepEqual([(await ledger.outbox.get(first))?.status, (await ledger.outbox.get(first))?.responseId], ['done', 'teachable user 501']);
			const again = await grant('ada@example.com', 'grant', 'grant:again');
			const revoke = await grant('ada@example.com', 'revoke');
			const nobody = await grant('nobody@example.com', 'revoke');
			fake.calls.length = 0;
			await run('access-teachable.json');
			assert.deepEqual(fake.calls, ['GET /users ada@example.com', 'POST /enroll 501:1234567', 'GET /users ada@example.com', 'POST /unenroll 501:1234567', 'GET /users nobody@example.com']);
			assert.deepEqual([fake.users.size, [...fake.enrollments]], [1, []], 'one user; enrolled once, then unenrolled');
			assert.deepEqual(
				await Promise.all([again, revoke, nobody].map(async (id) => (await ledger.outbox.get(id))?.responseId)),
				['teachable user 501', 'teachable user 501', 'no Teachable user: nothing to revoke'],
			);
		});

		it('429 with Retry-After: failed and retried no sooner; 500 then success; a product without a course: dead, naming it', async () => {
			const limited = await grant('ada@example.com');
			const unknown = (await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'grant:other', contactId: (await ledger.contacts.upsert({ launch, email: 'bob@example.com' })).contactId, payload: { productId: 'coaching' } })).id;
			let enrolls = 0;
			const fake = fakeTeachable((method, path) => {
				if (path === '/enroll' && ++enrolls === 1) return [429, { error: 'Too many requests' }, { 'Retry-After': '30' }];
				if (path === '/enroll' && enrolls === 2) return [500, { error: 'Internal error' }];
				return null;
			});
			const before = Date.now();
			await run('access-teachable.json');
			let entry = await ledger.outbox.get(limited);
			assert.equal(entry?.status, 'failed');
			assert.match(entry?.lastError ?? '', /^Teachable answered 429: .*Too many requests/);
			assert.ok(entry!.nextAttemptAt >= before + 30_000, `retried in ${(entry!.nextAttemptAt - before) / 1000} s`);
			const dead = await ledger.outbox.get(unknown);
			assert.deepEqual([dead?.status, dead?.lastError], ['dead', 'No Teachable course for product "coaching": add it to "Your Teachable courses"']);
			assert.ok(!fake.calls.some((c) => c.includes('bob@')), 'nothing sent for a product without a course');
			await makeDue('grant');
			await run('access-teachable.json');
			assert.match((await ledger.outbox.get(limited))?.lastError ?? '', /^Teachable answered 500/);
			await makeDue('grant');
			await run('access-teachable.json');
			entry = await ledger.outbox.get(limited);
			assert.deepEqual([entry?.status, entry?.attempts, fake.users.size, [...fake.enrollments]], ['done', 3, 1, ['501:1234567']]);
		});
	});
	describe('ActiveCampaign (esp-activecampaign.json, n8n\'s ActiveCampaign node: contact/sync)', () => {
		it('first sync with the UTM field values by field ID; a repeat updates the one contact; 429 waits, 500 then success', async () => {
			const ada = await contactWithSync('esp_sync', 'ada@example.com', { first_name: 'Ada', attribution: UTM });
			let failures = 0;
			const fake = fakeActiveCampaign((body) => {
				if (body.email !== 'bob@example.com') return null;
				failures += 1;
				return failures === 1 ? [429, { message: 'Too many requests' }, { 'Retry-After': '3' }] : failures === 2 ? [500, { message: 'Server error' }] : null;
			});
			await run(activeCampaignPiece());
			assert.deepEqual(fake.calls, [
				{ email: 'ada@example.com', firstName: 'Ada', lastName: '', fieldValues: [...['11', '12', '13', '14', '15'].map((field, i) => ({ field, value: Object.values(UTM)[i] })), ...['16', '17', '18'].map((field) => ({ field, value: '' }))] },
			]);
			assert.deepEqual([(await ledger.outbox.get(ada.entryId))?.status, (await ledger.outbox.get(ada.entryId))?.responseId], ['done', '1']);

			await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp_sync:ada-again', contactId: ada.contactId });
			const bob = await contactWithSync('esp_sync', 'bob@example.com');
			const before = Date.now();
			await run(activeCampaignPiece());
			assert.equal(fake.contacts.size, 1, 'Ada synced again: still one contact');
			let entry = await ledger.outbox.get(bob.entryId);
			assert.match(entry?.lastError ?? '', /^ActiveCampaign: The service is receiving too many requests from you/);
			assert.ok(entry!.nextAttemptAt >= before + 5_000);
			await makeDue('esp_sync');
			await run(activeCampaignPiece());
			assert.equal((await ledger.outbox.get(bob.entryId))?.lastError, 'ActiveCampaign: The service was not able to process your request');
			await makeDue('esp_sync');
			await run(activeCampaignPiece());
			entry = await ledger.outbox.get(bob.entryId);
			assert.deepEqual([entry?.status, entry?.responseId, fake.contacts.size], ['done', '2', 2]);
		});

		it('list fetch for reconciliation (reconcile-activecampaign.json): every page by offset to the end; a contact ActiveCampaign lacks gets one sync fix', async () => {
			for (const name of ['ada', 'bob']) await ledger.contacts.upsert({ launch, email: `${name}@example.com` });
			const dan = (await ledger.contacts.upsert({ launch, email: 'dan@example.com' })).contactId;
			const contacts = [...Array.from({ length: 248 }, (_, i) => `contact${i}@example.com`), 'ada@example.com', 'BOB@example.com'].map((email, i) => ({ id: String(i + 1), email, firstName: '' }));
			const offsets: string[] = [];
			nock('https://acct.api-us1.com').matchHeader('api-token', 'ac-key').get('/api/3/contacts').query(true).times(3).reply((request: unknown) => {
				const q = new URL((request as Request).url).searchParams;
				const offset = Number(q.get('offset'));
				offsets.push(`${offset}/${q.get('limit')}`);
				// ActiveCampaign sends its total as a string.
				return [200, { contacts: contacts.slice(offset, offset + Number(q.get('limit'))), meta: { total: String(contacts.length) } }];
			});
			const result = await run('reconcile-activecampaign.json');
			assert.deepEqual(offsets, ['0/100', '100/100', '200/100'], 'three pages, then it stopped');
			const [report] = result.output('Reconcile Sweep: compare', 1) as Array<{ compared: Record<string, number> }>;
			assert.equal(report!.compared.esp, 250);
			const fixes = await ledger.outbox.list({ launch, kinds: 'esp_sync' });
			assert.deepEqual(fixes.map((f) => [f.contactId, f.status, f.idempotencyKey]), [[dan, 'pending', `reconcile:esp_sync:${dan}`]]);
		});
	});
	describe('Mailchimp (esp-mailchimp.json, HTTP Request with the Mailchimp API credential: PUT by md5 of the email)', () => {
		it('first sync with merge fields, keyed by the md5 of the lowercased email; a repeat updates the one member; 429 waits its Retry-After; 500 then success; 400 is dead', async () => {
			const ada = await contactWithSync('esp_sync', 'Ada@Example.com', { first_name: 'Ada', attribution: UTM });
			const bob = await contactWithSync('esp_sync', 'bob@example.com');
			const bad = await contactWithSync('esp_sync', 'bad@example.com');
			let bobCalls = 0;
			const fake = fakeMailchimp((body) => {
				if (body.email_address === 'bad@example.com') return [400, { title: 'Invalid Resource', detail: 'bad@example.com looks fake or invalid' }];
				if (body.email_address !== 'bob@example.com') return null;
				bobCalls += 1;
				return bobCalls === 1 ? [429, { title: 'Too Many Requests' }, { 'Retry-After': '40' }] : bobCalls === 2 ? [500, { title: 'Internal Server Error' }] : null;
			});
			const before = Date.now();
			await run(mailchimpPiece());
			const md5 = (email: string) => createHash('md5').update(email.toLowerCase()).digest('hex');
			assert.deepEqual(fake.calls[0], {
				hash: md5('ada@example.com'),
				body: { email_address: 'Ada@Example.com', status_if_new: 'subscribed', merge_fields: { FNAME: 'Ada', UTM_SOURCE: 'podcast', UTM_MEDIUM: 'audio', UTM_CAMP: 'launch-week', UTM_CONT: 'ep-12', UTM_TERM: 'course' } },
			});
			assert.deepEqual([(await ledger.outbox.get(ada.entryId))?.status, (await ledger.outbox.get(ada.entryId))?.responseId], ['done', md5('ada@example.com')]);
			const limited = await ledger.outbox.get(bob.entryId);
			assert.match(limited?.lastError ?? '', /^Mailchimp answered 429/);
			assert.ok(limited!.nextAttemptAt >= before + 40_000);
			assert.match((await ledger.outbox.get(bad.entryId))?.lastError ?? '', /^Mailchimp answered 400: .*looks fake or invalid/);
			assert.equal((await ledger.outbox.get(bad.entryId))?.status, 'dead');

			await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'esp_sync:ada-again', contactId: ada.contactId });
			await makeDue('esp_sync');
			await run(mailchimpPiece());
			assert.match((await ledger.outbox.get(bob.entryId))?.lastError ?? '', /^Mailchimp answered 500/);
			await makeDue('esp_sync');
			await run(mailchimpPiece());
			assert.deepEqual([(await ledger.outbox.get(bob.entryId))?.status, fake.members.size], ['done', 2], 'Ada twice is one member; Bob one');
		});

		it('list fetch for reconciliation (reconcile-mailchimp.json): every page of 500 to the end; a contact Mailchimp lacks gets one sync fix; Mailchimp\'s tags are not compared', async () => {
			await ledger.tags.add({ launch, tag: 'early-bird' });
			const ada = (await ledger.contacts.upsert({ launch, email: 'ada@example.com' })).contactId;
			await ledger.tags.apply({ launch, contactId: ada, tags: ['early-bird'] });
			const dan = (await ledger.contacts.upsert({ launch, email: 'dan@example.com' })).contactId;
			const members = [...Array.from({ length: 1000 }, (_, i) => `member${i}@example.com`), 'Ada@Example.com'].map((email) => ({
				id: createHash('md5').update(email.toLowerCase()).digest('hex'),
				email_address: email,
				status: 'subscribed',
				tags: [{ id: 1, name: 'vip' }],
			}));
			const offsets: string[] = [];
			nock('https://us21.api.mailchimp.com').matchHeader('authorization', 'apikey mc-key-us21').get('/3.0/lists/aud-1/members').query(true).times(4).reply((request: unknown) => {
				const q = new URL((request as Request).url).searchParams;
				const offset = Number(q.get('offset'));
				offsets.push(`${offset}/${q.get('count')}`);
				return [200, { members: members.slice(offset, offset + Number(q.get('count'))), list_id: 'aud-1', total_items: members.length }];
			});
			const wf = piece('reconcile-mailchimp.json');
			wf.nodes.find((n) => n.name === 'Your Mailchimp audience')!.parameters.jsonOutput = JSON.stringify({ listId: 'aud-1' });
			const result = await run(wf);
			assert.deepEqual(offsets, ['0/500', '500/500', '1000/500', '1500/500'], 'pages until an empty one, as n8n\'s node reads them');
			const [report] = result.output('Reconcile Sweep: compare', 1) as Array<{ compared: Record<string, number>; systems: Record<string, Record<string, number>> }>;
			assert.deepEqual([report!.compared.esp, report!.systems.esp!.tagDrift], [1001, 0]);
			const fixes = await ledger.outbox.list({ launch, kinds: 'esp_sync, tag_sync' });
			assert.deepEqual(fixes.map((f) => [f.contactId, f.kind, f.idempotencyKey]), [[dan, 'esp_sync', `reconcile:esp_sync:${dan}`]]);
		});
	});
	describe('referral fields (issue 19): referral_link, place_in_line and referral_count on every ESP piece', () => {
		/** A signup through the capture, as the hosted form sends it (velocity signals off: one test address). */
		const signup = async (email: string, ref?: string) => {
			const body = { email, ...(ref ? { ref } : {}) };
			const result = await ledger.capture.submit({ launch, options: { abuse: { networkLimit: 0, patternLimit: 0 } }, request: { body: { ok: true, contentType: 'application/json', fields: body, raw: JSON.stringify(body) }, remoteAddress: '203.0.113.9', userAgent: 'node-test' } });
			assert.equal(result.accepted, true);
			return (result as Extract<typeof result, { accepted: true }>).result;
		};
		const withLanding = (wf: WorkflowJson) => {
			for (const n of wf.nodes) if (n.type === 'n8n-nodes-waitlist-ledger.accessOutbox' && n.parameters.operation === 'claim') n.parameters.referralLinkBase = LANDING;
			return wf;
		};
		const expected = async (contactId: string) => {
			const s = await ledger.referrals.standing({ launch, contactId });
			return { link: `${LANDING}?ref=${s.code}`, place: String(s.place), count: String(s.referrals.counted) };
		};
		const pieces = [
			{
				name: 'MailerLite',
				file: () => withLanding(piece('esp-mailerlite.json')),
				fake: () => fakeMailerLite(),
				read: (call: Record<string, unknown>) => {
					const f = call.fields as Record<string, string>;
					return { email: String(call.email), link: f.referral_link, place: f.place_in_line, count: f.referral_count };
				},
			},
			{
				name: 'Mailchimp',
				file: () => withLanding(mailchimpPiece()),
				fake: () => fakeMailchimp(),
				read: (call: { body: Record<string, unknown> }) => {
					const m = call.body.merge_fields as Record<string, string>;
					return { email: String(call.body.email_address), link: m.REF_LINK, place: m.REF_PLACE, count: m.REF_COUNT };
				},
			},
			{
				name: 'ActiveCampaign',
				file: () => withLanding(activeCampaignPiece()),
				fake: () => fakeActiveCampaign(),
				read: (call: Record<string, unknown>) => {
					const v = new Map((call.fieldValues as Array<{ field: string; value: string }>).map((x) => [x.field, x.value]));
					return { email: String(call.email), link: v.get('16'), place: v.get('17'), count: v.get('18') };
				},
			},
		] as const;
		for (const p of pieces) {
			it(`${p.name}: each signup's sync carries the fields; after a wave of referrals one update per changed person, with the values now`, async () => {
				const ada = await signup('ada@example.com');
				const bob = await signup('bob@example.com');
				await signup('friend1@example.com', bob.referral.code);
				const fake = p.fake();
				await run(p.file());
				const first = (fake.calls as unknown[]).map((c) => p.read(c as never));
				assert.deepEqual(first.map((c) => c.email), ['ada@example.com', 'bob@example.com', 'friend1@example.com']);
				assert.deepEqual(first[1], { email: 'bob@example.com', ...(await expected(bob.contactId)) });
				assert.equal(first[1]!.count, '1');

				// Four more friends of Bob: he passes Ada. One run sends the four new people, Bob once and Ada once.
				for (let i = 2; i <= 5; i++) await signup(`friend${i}@example.com`, bob.referral.code);
				const before = fake.calls.length;
				await run(p.file());
				const wave = (fake.calls as unknown[]).slice(before).map((c) => p.read(c as never));
				assert.deepEqual(wave.map((c) => c.email).sort(), ['ada@example.com', 'bob@example.com', 'friend2@example.com', 'friend3@example.com', 'friend4@example.com', 'friend5@example.com']);
				assert.deepEqual(wave.find((c) => c.email === 'bob@example.com'), { email: 'bob@example.com', ...(await expected(bob.contactId)) });
				assert.deepEqual(wave.find((c) => c.email === 'ada@example.com'), { email: 'ada@example.com', ...(await expected(ada.contactId)) });
				assert.deepEqual([wave.find((c) => c.email === 'bob@example.com')!.place, wave.find((c) => c.email === 'bob@example.com')!.count], ['1', '5']);
				const after = fake.calls.length;
				await run(p.file());
				assert.equal(fake.calls.length, after, 'nothing changed: no call');
			});
		}
	});
});
