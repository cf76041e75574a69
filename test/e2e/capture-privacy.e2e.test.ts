import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';

/**
 * Issue 20 row 8 through a real n8n (whose webhook server echoes any Origin before the trigger
 * runs): someone who knows an address posts it from their own website's script, or from anywhere.
 * The answer must not tell them whether the address was on the list, and their page must not be
 * allowed to read it.
 */
describe('real n8n: a signup answer reveals nothing about who is on the list', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({ workflows: ['workflows/waitlist-signup.json'] });
		const seeded = await n8n.post('waitlist-signup', { email: 'known@example.com' });
		assert.equal(seeded.status, 201);
	});
	after(async () => n8n?.stop());

	const answer = async (res: Response) => ({ status: res.status, cors: res.headers.get('access-control-allow-origin'), body: await res.text() });

	it('a foreign website gets the same answer for a known and an unknown address, and no CORS header to read it with', async () => {
		const evil = { origin: 'https://evil.example' };
		const known = await answer(await n8n.post('waitlist-signup', { email: 'known@example.com', consent: 'yes' }, evil));
		const unknown = await answer(await n8n.post('waitlist-signup', { email: 'unknown@example.com', consent: 'yes' }, evil));
		console.log(`foreign origin: known → ${known.status} cors=${known.cors}; unknown → ${unknown.status} cors=${unknown.cors}`);
		assert.deepEqual(known, unknown);
		assert.equal(known.cors, null, 'n8n echoed the Origin; the trigger takes it back');
		assert.equal(known.status, 403, 'by default only the hosted form may post from a browser');
		assert.ok(!known.body.includes('known@example.com'));
	});

	it('without an Origin (a script or server anywhere) a known and an unknown address get the same 201 and body, with no contact id', async () => {
		const known = await answer(await n8n.post('waitlist-signup', { email: 'known@example.com' }));
		const unknown = await answer(await n8n.post('waitlist-signup', { email: 'second@example.com' }));
		assert.deepEqual([known.status, known.body], [unknown.status, unknown.body]);
		assert.deepEqual([known.status, JSON.parse(known.body)], [201, { ok: true, status: 'subscribed', message: "You're on the list." }]);
	});

	it('without consent the stored referrer and landing URL are their sites only (issue 18), with consent as sent', async () => {
		const landing = 'https://launch.example/spring?utm_source=newsletter&utm_campaign=teaser&gclid=G-SECRET';
		const referrer = 'https://news.example/issue/42?subscriber=reader%40example.com';
		assert.equal((await n8n.post('waitlist-signup', { email: 'noconsent@example.com', landing_url: landing, referrer, gclid: 'G-SECRET', utm_source: 'newsletter' })).status, 201);
		assert.equal((await n8n.post('waitlist-signup', { email: 'consent@example.com', landing_url: landing, referrer, consent: 'yes' })).status, 201);
		const [without, withConsent] = await n8n.withLedger(async (ledger) => {
			const find = async (email: string) => ledger.contacts.get((await ledger.contacts.find({ launch: 'default', kind: 'email', value: email }))!.id);
			return [await find('noconsent@example.com'), await find('consent@example.com')];
		});
		assert.deepEqual([without?.firstTouch?.referrer, without?.firstTouch?.landing_url, without?.firstTouch?.utm_source], ['https://news.example', 'https://launch.example', 'newsletter']);
		assert.match(without?.firstTouch?.gclid ?? '', /^hmac:/);
		assert.deepEqual([withConsent?.firstTouch?.referrer, withConsent?.firstTouch?.landing_url], [referrer, landing]);
	});

	it('a forgotten person\'s address gets the same answer as anyone\'s, and is not stored again (issue 18)', async () => {
		assert.equal((await n8n.post('waitlist-signup', { email: 'gone@example.com' })).status, 201);
		await n8n.withLedger(async (ledger) => {
			const contact = await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'gone@example.com' });
			await ledger.contacts.forget({ launch: 'default', contactId: contact!.id });
		});
		const forgotten = await answer(await n8n.post('waitlist-signup', { email: 'gone@example.com' }));
		const stranger = await answer(await n8n.post('waitlist-signup', { email: 'stranger@example.com' }));
		assert.deepEqual([forgotten.status, forgotten.body], [stranger.status, stranger.body]);
		assert.equal(await n8n.withLedger((ledger) => ledger.contacts.find({ launch: 'default', kind: 'email', value: 'gone@example.com' })), null);
	});

	it('the hosted form\'s own site (n8n\'s origin) is accepted and may read its answer', async () => {
		const res = await answer(await n8n.post('waitlist-signup', { email: 'hosted@example.com' }, { origin: n8n.baseUrl }));
		assert.deepEqual([res.status, res.cors], [201, n8n.baseUrl]);
	});
});
