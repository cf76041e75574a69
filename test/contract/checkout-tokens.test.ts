import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CHECKOUT_TOKEN_OPEN_MS, CHECKOUT_TOKENS_PER_WINDOW, CHECKOUT_TOKEN_WINDOW_MS, LedgerInputError } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/*
 * Issue 20 row 9: the checkout link made a new token on every post (31 posts → 31 tokens on someone
 * else's address). A token is now reused per (contact, product) while open and new ones are capped
 * per contact and hour; the transaction decides it, so concurrent posts cannot get past it.
 */

async function tokenRows(t: TestLedger, launch: string): Promise<number> {
	const [row] = await t.ledger.store.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM identifiers WHERE launch = $1 AND kind = 'purchase_token'", [launch]);
	return Number(row?.n ?? 0);
}

for (const driver of DRIVERS) {
	describe(`[${driver}] checkout tokens: reused while open, capped per hour, race-proof`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('31 posts for one address make one token (reused while open), and print how many rows they cost', async () => {
			const launch = 'reuse';
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'victim@example.com' });
			const tokens = new Set<string>();
			for (let i = 0; i < 31; i++) tokens.add((await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'course' })).token);
			const rows = await tokenRows(t, launch);
			console.log(`[${driver}] 31 checkout posts for one address: ${tokens.size} distinct token(s), ${rows} token row(s) stored (before the fix: 31 and 31)`);
			assert.equal(tokens.size, 1);
			assert.equal(rows, 1);
			// Another product is another checkout: its own token.
			const other = await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'ebook' });
			assert.ok(!tokens.has(other.token));
			assert.equal(other.reused, false);
		});

		it('20 concurrent posts for one new address → one contact and one token', async () => {
			const launch = 'race';
			const results = await Promise.all(
				Array.from({ length: 20 }, () => t.ledger.purchases.checkoutToken({ launch, email: 'Race.Buyer@example.com', createContact: true, productId: 'course' })),
			);
			assert.equal(new Set(results.map((r) => r.token)).size, 1, 'one token');
			assert.equal(new Set(results.map((r) => r.contactId)).size, 1, 'one contact');
			assert.equal(results.filter((r) => !r.reused).length, 1, 'made once, handed out 19 more times');
			assert.equal(await tokenRows(t, launch), 1);
		});

		it('a token paid with, or past its 24 hours, is not handed out again; a new one is made', async () => {
			const launch = 'used';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			const now = Date.now();
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'buyer@example.com' });
			const first = await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'course', now });
			const decision = await t.ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_used_1', { token: first.token, order: 'pi_used_1' })));
			assert.equal(decision.matchedBy, 'token');
			const second = await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'course', now: now + 1000 });
			assert.notEqual(second.token, first.token, 'a used token is not reused');
			const later = await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'course', now: now + CHECKOUT_TOKEN_OPEN_MS + 2000 });
			assert.notEqual(later.token, second.token, 'an expired token is not reused');
			// An expired token still matches a late payment.
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'purchase_token', value: second.token }))?.id, contactId);
		});

		it(`at most ${CHECKOUT_TOKENS_PER_WINDOW} new tokens per contact and hour; the refusal names checkoutLimit; the window moves on`, async () => {
			const launch = 'cap';
			const now = Date.now();
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'capped@example.com' });
			for (let i = 0; i < CHECKOUT_TOKENS_PER_WINDOW; i++) await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: `p${i}`, now: now + i });
			await assert.rejects(
				t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'one-more', now: now + 100 }),
				(e: unknown) => e instanceof LedgerInputError && e.field === 'checkoutLimit' && /try again in an hour/.test(e.reason),
			);
			// Open tokens are still handed out while capped.
			assert.equal((await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'p0', now: now + 200 })).reused, true);
			const afterWindow = await t.ledger.purchases.createCheckoutToken({ launch, contactId, productId: 'one-more', now: now + CHECKOUT_TOKEN_WINDOW_MS + 1000 });
			assert.equal(afterWindow.reused, false);
		});

		it('bad input names the field: a missing or unreadable email, an unknown contact, another launch', async () => {
			const launch = 'bad';
			const field = (name: string) => (e: unknown) => e instanceof LedgerInputError && e.field === name;
			await assert.rejects(t.ledger.purchases.checkoutToken({ launch, email: '', createContact: true }), field('email'));
			await assert.rejects(t.ledger.purchases.checkoutToken({ launch, email: 'ada@example.com\r\nBcc: x@example.com', createContact: true }), field('email'));
			await assert.rejects(t.ledger.purchases.checkoutToken({ launch, email: 'nobody@example.com' }), field('email'));
			await assert.rejects(t.ledger.purchases.checkoutToken({ launch, contactId: 'c_missing' }), field('contactId'));
			const { contactId } = await t.ledger.contacts.upsert({ launch: 'elsewhere', email: 'ada@example.com' });
			await assert.rejects(t.ledger.purchases.checkoutToken({ launch, contactId }), field('contactId'));
		});

		it('forget removes the person\'s checkout tokens', async () => {
			const launch = 'forget';
			const token = await t.ledger.purchases.checkoutToken({ launch, email: 'gone@example.com', createContact: true });
			await t.ledger.contacts.forget({ launch, contactId: token.contactId });
			const rows = await t.ledger.store.query('SELECT token FROM checkout_tokens WHERE contact_id = $1', [token.contactId]);
			assert.equal(rows.length, 0);
		});
	});
}
