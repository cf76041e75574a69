import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { SignupBody } from '../../ledger';
import { stripeSign } from '../support/purchase-signing';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/** The desk and the lists beside it: newest first (open items before resolved ones), paged by a cursor, bounded. */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });

for (const driver of DRIVERS) {
	describe(`[${driver}] review desk lists`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('the desk: open items first, newest first, each page once, with both contacts of a pair', async () => {
			const launch = 'lists-desk';
			const owner = await t.ledger.contacts.upsert({ launch, email: 'owner@example.com', fields: { first_name: 'Olga', last_name: 'Owner' } });
			const ids: string[] = [];
			for (let i = 0; i < 7; i++) {
				const c = await t.ledger.contacts.upsert({ launch, email: `c${i}@example.com` });
				ids.push((await t.ledger.contacts.link({ launch, contactId: c.contactId, kind: 'email', value: 'owner@example.com' })).review!.id);
				await new Promise((r) => setTimeout(r, 2)); // distinct creation times, so "newest" is well defined
			}
			await t.ledger.review.dismiss({ reviewId: ids[6]!, by: 'sam', reason: 'test' }); // the newest, resolved: listed last
			const seen: string[] = [];
			let cursor: string | undefined;
			for (let pages = 0; pages < 10; pages++) {
				const page = await t.ledger.review.page(launch, { limit: 3, cursor });
				seen.push(...page.items.map((i) => i.id));
				if (!page.next) break;
				cursor = page.next;
			}
			assert.deepEqual(seen, [...ids.slice(0, 6).reverse(), ids[6]]);
			const [first] = (await t.ledger.review.page(launch, { status: 'open', limit: 1 })).items;
			assert.deepEqual([first!.otherContact?.email, first!.otherContact?.name, first!.contact?.email], ['owner@example.com', 'Olga Owner', 'c5@example.com']);
			assert.equal((await t.ledger.review.detail(ids[0]!))?.otherContact?.id, owner.contactId);
			await assert.rejects(t.ledger.review.page(launch, { cursor: 'not-a-cursor' }), /cursor: is not a cursor this list gave out/);
			await assert.rejects(t.ledger.review.page(launch, { limit: 1000 }), /limit: must be a whole number from 1 to 100/);
		});

		it('refused signups (reason, when, which field) and refused deliveries (provider, reason), newest first, paged', async () => {
			const launch = 'lists-refused';
			for (const email of ['one', 'two', 'three']) {
				await t.ledger.capture.submit({ launch, options: {}, request: { body: json({ email }), remoteAddress: '203.0.113.9', userAgent: 'test' } });
			}
			const first = await t.ledger.review.refusedSignups(launch, { limit: 2 });
			const second = await t.ledger.review.refusedSignups(launch, { limit: 2, cursor: first.next! });
			const all = [...first.items, ...second.items];
			assert.equal(second.next, null);
			assert.deepEqual(all.map((r) => [r.status, r.reason, r.errors[0]?.field]), Array(3).fill([422, 'invalid', 'email']));
			assert.deepEqual(all.map((r) => r.id), [...all.map((r) => r.id)].sort((a, b) => b - a), 'newest first');

			const rawBody = JSON.stringify(stripe.checkoutCompleted('evt_forged'));
			await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: 'whsec_right', rawBody, headers: stripeSign(rawBody, 'whsec_wrong').headers });
			const ok = JSON.stringify(stripe.checkoutCompleted('evt_fine'));
			await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: 'whsec_right', rawBody: ok, headers: stripeSign(ok, 'whsec_right').headers });
			const refused = await t.ledger.review.refusedDeliveries(launch);
			assert.deepEqual(refused.items.map((r) => [r.provider, r.reason]), [['stripe', 'bad_signature']], 'a wrong signing secret shows up here');
			assert.equal(refused.next, null);
		});
	});
}
