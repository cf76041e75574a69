import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CHECKOUT_CREDENTIALS, checkoutTemplate } from '../support/checkout-template';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';

/*
 * Issue 20 row 9 through a real n8n: the checkout link made a new token on every post (31 posts →
 * 31 tokens on someone else's address) and answered bad input with n8n's 500 "Error in workflow".
 */

const STRIPE_WF = 'wlCheckoutAccess';

describe('real n8n: the checkout link under hostile posts', () => {
	let n8n: E2eN8n;

	before(async () => {
		n8n = await startE2eN8n({ workflows: [checkoutTemplate({ scheduleSeconds: 3600 })], credentials: CHECKOUT_CREDENTIALS, vendorFakes: {} });
		await n8n.withLedger((ledger) => ledger.purchases.defineProduct({ launch: 'default', productId: 'course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } }));
	});
	after(async () => n8n?.stop());

	const checkout = (body: string, contentType = 'application/x-www-form-urlencoded') =>
		fetch(n8n.webhookUrl('checkout'), { method: 'POST', redirect: 'manual', headers: { 'content-type': contentType }, body });

	const tokensOf = (email: string) =>
		n8n.withLedger(async (ledger) => {
			const contact = await ledger.contacts.find({ launch: 'default', kind: 'email', value: email });
			return contact ? contact.identifiers.filter((i) => i.kind === 'purchase_token').length : 0;
		});

	it('31 posts for someone else\'s address → one token (each post redirects to checkout with it)', async () => {
		const sessionsBefore = n8n.vendorRequests().filter((r) => r.fake === 'stripe').length;
		for (let i = 0; i < 31; i++) {
			const res = await checkout(new URLSearchParams({ email: 'victim@example.com' }).toString());
			assert.ok(res.status >= 300 && res.status < 400, `a redirect, got ${res.status}: ${await res.text()}`);
		}
		const tokens = await tokensOf('victim@example.com');
		const carried = new Set(
			n8n
				.vendorRequests()
				.filter((r) => r.fake === 'stripe' && r.method === 'POST')
				.slice(sessionsBefore)
				.map((r) => new URLSearchParams(String(r.body)).get('client_reference_id')),
		);
		console.log(`31 checkout posts for one address through n8n: ${tokens} token(s) stored, ${carried.size} distinct token(s) sent to Stripe (before the fix: 31)`);
		assert.equal(tokens, 1);
		assert.equal(carried.size, 1);
	});

	it('20 concurrent posts for a new address → one contact, one token', async () => {
		const answers = await Promise.all(Array.from({ length: 20 }, () => checkout(JSON.stringify({ email: 'race.buyer@example.com' }), 'application/json')));
		assert.deepEqual(
			answers.map((r) => r.status >= 300 && r.status < 400),
			answers.map(() => true),
		);
		assert.equal(await tokensOf('race.buyer@example.com'), 1);
	});

	for (const [name, body, contentType] of [
		['a line break inside the email', JSON.stringify({ email: 'ada@example.com\r\nBcc: all@example.com' }), 'application/json'],
		['a list of emails', JSON.stringify({ email: ['a@example.com', 'b@example.com'] }), 'application/json'],
		['the email repeated in a form', 'email=a%40example.com&email=b%40example.com', 'application/x-www-form-urlencoded'],
		['an object', JSON.stringify({ email: { $ne: '' } }), 'application/json'],
		['no email', JSON.stringify({ name: 'Ada' }), 'application/json'],
		['not an email', new URLSearchParams({ email: 'not-an-email' }).toString(), 'application/x-www-form-urlencoded'],
	] as const) {
		it(`${name} → 400 naming the email field, not n8n's 500`, async () => {
			const res = await checkout(body, contentType);
			const text = await res.text();
			assert.equal(res.status, 400, text);
			const answer = JSON.parse(text) as { error: string; field: string };
			assert.equal(answer.field, 'email');
			assert.match(answer.error, /^Email: /);
		});
	}

	it('no bad post left a failed execution behind', async () => {
		const failed = n8n.executions(STRIPE_WF).filter((e) => e.status === 'error');
		assert.deepEqual(
			failed.map((e) => e.id),
			[],
		);
	});
});
