import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { SignupBody } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Issue 18, consent: a signup without consent keeps of the referrer and landing URL only their site,
 * in every row that stores attribution (the contact's touches, its history, the run's item); with
 * consent, the URLs as sent. The hosted form carries the visit's referrer the same way.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
const LANDING = 'https://launch.example/spring/course?utm_source=newsletter&utm_campaign=teaser&fbclid=FB-SECRET-1#signup';
const REFERRER = 'https://news.example/issue/42?subscriber=ada%40example.com';

for (const driver of DRIVERS) {
	describe(`[${driver}] attribution without consent`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const submit = (launch: string, fields: Record<string, unknown>) =>
			t.ledger.capture.submit({ launch, options: { allowedOrigins: ['*'], minSeconds: 0 }, request: { body: json(fields), remoteAddress: '203.0.113.5' } });

		it('without consent: referrer and landing URL are stored as their site only, the click id hashed, in the contact and its history', async () => {
			const launch = 'consent-no';
			const result = await submit(launch, { email: 'noconsent@example.com', referrer: REFERRER, landing_url: LANDING, fbclid: 'FB-SECRET-1', utm_source: 'newsletter' });
			assert.ok(result.accepted);
			assert.deepEqual(result.result.attribution.referrer, 'https://news.example');
			const contact = await t.ledger.contacts.get(result.result.contactId);
			assert.deepEqual([contact?.firstTouch?.referrer, contact?.firstTouch?.landing_url, contact?.firstTouch?.utm_source], ['https://news.example', 'https://launch.example', 'newsletter']);
			assert.match(contact?.firstTouch?.fbclid ?? '', /^hmac:/);
			// Every row the signup wrote (contact, events, outbox) — searched as text.
			for (const table of ['contacts', 'events', 'outbox']) {
				const text = JSON.stringify(await t.ledger.store.query(`SELECT * FROM ${table} WHERE launch = $1`, [launch]));
				for (const needle of ['/spring/course', 'utm_campaign=', 'FB-SECRET-1', '/issue/42', 'subscriber=']) assert.ok(!text.includes(needle), `${table} holds "${needle}"`);
			}
		});

		it('with consent: the URLs are kept as sent', async () => {
			const launch = 'consent-yes';
			const result = await submit(launch, { email: 'consent@example.com', referrer: REFERRER, landing_url: LANDING, fbclid: 'FB-SECRET-1', consent: 'yes' });
			assert.ok(result.accepted);
			const contact = await t.ledger.contacts.get(result.result.contactId);
			assert.deepEqual([contact?.firstTouch?.referrer, contact?.firstTouch?.landing_url, contact?.firstTouch?.fbclid], [REFERRER, LANDING, 'FB-SECRET-1']);
		});

		it('the hosted form carries the visit\'s referrer in a hidden field; without the consent box ticked only its site is stored', async () => {
			const launch = 'consent-form';
			const form = await t.ledger.capture.formContext(launch, { minSeconds: 0 }, { query: { utm_source: 'ig' }, referrer: REFERRER });
			const { hidden } = form;
			assert.equal(hidden.referrer, REFERRER, 'the form page carries the visit (it is the signup that decides what is kept)');
			const result = await t.ledger.capture.submit({ launch, options: { minSeconds: 0 }, request: { body: json({ ...hidden, email: 'form@example.com', wl_form: 'hosted' }) } });
			assert.ok(result.accepted, JSON.stringify(result));
			const contact = await t.ledger.contacts.get(result.result.contactId);
			assert.deepEqual([contact?.firstTouch?.referrer, contact?.firstTouch?.utm_source], ['https://news.example', 'ig']);
		});
	});
}
