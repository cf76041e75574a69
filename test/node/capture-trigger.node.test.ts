import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import nock from 'nock';

import { runWebhook, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { closeAllLedgers, getLedger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';

const template = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'waitlist-signup.json'), 'utf8')) as WorkflowJson;
const TRIGGER = 'Waitlist Capture Trigger';

/** Vendor credentials as a user fills them in (the in-process harness selects them on Kit and HubSpot). */
const VENDOR_CREDENTIALS = { convertKitApi: { apiSecret: 'kit-secret' }, hubspotAppToken: { appToken: 'hs-token' } };

for (const driver of DRIVERS) {
	describe(`[${driver}] signup template in-process: Waitlist Capture Trigger`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('answers 201 for a new and for a known person alike; the workflow gets the contact id and whether it is new', async () => {
			const credentials = ledgerCredentialFor(db.config);
			const first = await runWebhook(template, { node: TRIGGER, request: { body: { email: 'Ada@Example.com', first_name: 'Ada' } }, credentials });
			assert.equal(first.response.status, 201);
			const item = first.workflow?.output(TRIGGER)[0] as { contactId: string; created: boolean };
			assert.equal(item.created, true);
			assert.match(item.contactId, /^[0-9a-f-]{36}$/);
			// The caller learns nothing about who is on the list (issue 20 row 8; capture-privacy.node.test.ts).
			assert.equal((first.response.body as { contactId?: string }).contactId, undefined);

			const again = await runWebhook(template, { node: TRIGGER, request: { body: { email: ' ada@example.com' } }, credentials });
			assert.deepEqual([again.response.status, again.response.body], [first.response.status, first.response.body]);
			assert.deepEqual(again.workflow?.output(TRIGGER)[0]?.contactId, item.contactId);

			const ledger = await getLedger(db.config);
			assert.equal(await ledger.contacts.count('default'), 1);
		});

		it('answers 422 naming the field for an invalid email, and starts no execution', async () => {
			const result = await runWebhook(template, { node: TRIGGER, request: { body: { email: 'nope' } }, credentials: ledgerCredentialFor(db.config) });
			assert.equal(result.response.status, 422);
			assert.deepEqual((result.response.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field), ['email']);
			assert.equal(result.workflow, undefined);
		});
	});
}

for (const driver of DRIVERS) {
	describe(`[${driver}] signup template in-process: Kit and HubSpot steps (vendor APIs faked with nock)`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
			nock.disableNetConnect();
		});
		afterEach(() => nock.cleanAll());
		after(async () => {
			nock.enableNetConnect();
			await closeAllLedgers();
			await db.drop();
		});

		it('tags by source, sends Kit and HubSpot the UTMs, and acks both sync entries; a repeat signup skips both', async () => {
			const kitBodies: unknown[] = [];
			const hubspotBodies: unknown[] = [];
			const kit = nock('https://api.convertkit.com')
				.post('/v3/forms/1234567/subscribe', (body) => (kitBodies.push(body), true))
				.query(true)
				.reply(200, { subscription: { id: 77, subscriber: { id: 501 } } });
			const hubspot = nock('https://api.hubapi.com')
				.post('/contacts/v1/contact/createOrUpdate/email/grace%40example.com', (body) => (hubspotBodies.push(body), true))
				.reply(200, { vid: 9001, isNew: true });
			const credentials = { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS };
			const signup = { email: 'grace@example.com', first_name: 'Grace', utm_source: 'Newsletter', utm_medium: 'email', utm_campaign: 'spring' };
			const first = await runWebhook(template, { node: TRIGGER, request: { body: signup }, credentials });
			assert.equal(first.response.status, 201);
			assert.ok(kit.isDone() && hubspot.isDone(), 'Kit and HubSpot were each called once');
			// The referral fields ride in the same Kit call: the trigger hands them to the run (sync.esp_sync.referralFields).
			const referralFields = first.workflow?.output(TRIGGER)[0]?.sync as { esp_sync: { referralFields: { code: string; link: string } } };
			const { code, link } = referralFields.esp_sync.referralFields;
			assert.equal(link, `http://localhost:5678/webhook/waitlist-signup?ref=${code}`, 'without a landing page set, the hosted signup page with ?ref=');
			assert.deepEqual(kitBodies, [
				{
					email: 'grace@example.com',
					first_name: 'Grace',
					fields: { utm_source: 'Newsletter', utm_medium: 'email', utm_campaign: 'spring', utm_content: '', utm_term: '', referral_link: link, place_in_line: '1', referral_count: '0' },
				},
			]);
			const properties = (hubspotBodies[0] as { properties: Array<{ property: string; value: string }> }).properties;
			assert.deepEqual(
				Object.fromEntries(properties.map((p) => [p.property, p.value])),
				{ firstname: 'Grace', utm_source: 'Newsletter', utm_medium: 'email', utm_campaign: 'spring', utm_content: '', utm_term: '' },
			);
			assert.equal(first.workflow?.output('Ledger: Kit done')[0]?.outcome, 'done');
			assert.equal(first.workflow?.output('Ledger: HubSpot done')[0]?.outcome, 'done');

			const contactId = String(first.workflow?.output(TRIGGER)[0]?.contactId);
			const ledger = await getLedger(db.config);
			const entries = await ledger.outbox.list({ launch: 'default', contactId });
			assert.deepEqual(entries.map((e) => [e.kind, e.status, e.responseId]).sort(), [
				['crm_sync', 'done', '9001'],
				['esp_sync', 'done', '501'],
			]);
			assert.ok((await ledger.contacts.get(contactId))?.tags.includes('source-newsletter'));
			// Ledger: Kit done said which fields went out: an ESP drain has no second write to make.
			assert.deepEqual(await ledger.outbox.claim({ launch: 'default', kinds: 'esp_sync', limit: 10, leaseMs: 60_000, workerId: 'drain' }), []);

			// Same person, nothing new: no sync entries, so neither vendor is called (nock would refuse).
			const again = await runWebhook(template, { node: TRIGGER, request: { body: signup }, credentials });
			assert.equal(again.response.status, 201, 'a known person is answered like a new one');
			assert.equal(again.workflow?.ran('Kit: add subscriber'), false);
			assert.equal(again.workflow?.ran('HubSpot: upsert contact'), false);
		});

		it('records a vendor failure on the error output as a failed attempt, and still syncs the other vendor', async () => {
			nock('https://api.convertkit.com').post('/v3/forms/1234567/subscribe').query(true).reply(500, { error: 'internal error' });
			nock('https://api.hubapi.com').post(/\/contacts\/v1\/contact\/createOrUpdate\/email\/.*/).reply(200, { vid: 9002, isNew: true });
			const credentials = { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS };
			const result = await runWebhook(template, { node: TRIGGER, request: { body: { email: 'kit-down@example.com' } }, credentials });
			assert.equal(result.response.status, 201, 'the signup is answered and kept whatever the vendors do');
			assert.equal(result.workflow?.output('Ledger: Kit failed')[0]?.outcome, 'retry');
			assert.equal(result.workflow?.output('Ledger: HubSpot done')[0]?.outcome, 'done');
			const ledger = await getLedger(db.config);
			const contactId = String(result.workflow?.output(TRIGGER)[0]?.contactId);
			const esp = (await ledger.outbox.list({ launch: 'default', contactId, kinds: 'esp_sync' }))[0];
			assert.equal(esp?.status, 'failed');
			// Kit's own words, not n8n's generic text for the status.
			assert.equal(esp?.lastError, 'Kit answered 500: {"error":"internal error"}');
			assert.ok((await ledger.contacts.get(contactId))?.tags.includes('source-direct'));
		});
	});
}
