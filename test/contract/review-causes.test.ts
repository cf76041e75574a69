import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { stripeSign } from '../support/purchase-signing';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Review items name their cause: each kind is opened by its cause, the same cause never has two open
 * items, and an item closes when its cause is settled elsewhere — by a later event, by
 * reconciliation, by a merge — saying what settled it.
 */

const SECRET = 'whsec_review';

async function deliver(t: TestLedger, launch: string, payload: object): Promise<string> {
	const rawBody = JSON.stringify(payload);
	const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
	assert.equal(received.httpStatus, 200);
	return received.id;
}

async function grants(t: TestLedger, launch: string): Promise<{ kind: string; contact_id: string }[]> {
	return t.ledger.store.query<{ kind: string; contact_id: string }>('SELECT kind, contact_id FROM outbox WHERE launch = $1 AND kind = $2 ORDER BY seq', [launch, 'grant']);
}

for (const driver of DRIVERS) {
	describe(`[${driver}] review items: opened by their cause, one per cause, closed when the cause is settled`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('an unknown-email purchase: one item for its deliveries and the sweep, listed with its context, closed by the later event that matches it', async () => {
			const launch = 'cause-event';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const order = { email: 'stranger@example.com', customer: 'cus_stranger', order: 'pi_cause1' };
			const inboxId = await deliver(t, launch, stripe.checkoutCompleted('evt_c1', order));
			const first = await t.ledger.purchases.process(inboxId);
			assert.deepEqual([first.decision, first.reason], ['review', 'no_contact_match']);
			// The same purchase again (another event type of the order) and the checkout sweep: the same item.
			const second = await t.ledger.purchases.process(await deliver(t, launch, stripe.asyncSucceeded('evt_c2', order)));
			assert.equal(second.reviewId, first.reviewId, 'a second event of the purchase reaches the same item');
			await t.ledger.reconcile.sweep({ launch, checkout: [{ orderId: 'pi_cause1', email: 'stranger@example.com', productId: 'course' }] });
			const open = await t.ledger.review.list(launch, { status: 'open' });
			assert.deepEqual(open.map((i) => [i.id, i.subject]), [[first.reviewId, 'order:pi_cause1']], 'one open item for the purchase');

			const page = await t.ledger.review.page(launch);
			const [item] = page.items;
			assert.deepEqual([item!.rule, item!.inboxId, item!.paid?.amount, item!.paid?.currency, item!.paid?.email, item!.paid?.orderId], [
				'no_contact_match',
				inboxId,
				5900,
				'USD',
				'stranger@example.com',
				'pi_cause1',
			]);

			// Settled elsewhere: the buyer signs up with the email they paid with, and a later event of the order matches.
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'stranger@example.com' });
			const later = await t.ledger.purchases.process(await deliver(t, launch, stripe.asyncSucceeded('evt_c3', order)));
			assert.deepEqual([later.decision, later.contactId], ['grant', contactId]);
			const closed = await t.ledger.review.get(first.reviewId!);
			assert.equal(closed!.status, 'resolved');
			assert.equal(closed!.resolvedBy, 'webhook:stripe');
			assert.match(closed!.resolution!, /settled by stripe event evt_c3: matched by email to contact/);
			assert.deepEqual(await t.ledger.review.list(launch, { status: 'open' }), []);
			assert.deepEqual((await grants(t, launch)).map((g) => g.contact_id), [contactId], 'granted once');
			const history = await t.ledger.contacts.launchHistory(launch, { types: ['review.resolved'] });
			assert.equal(history.length, 1);
		});

		it('an order the sweep could not match: one item however often it runs, closed by the sweep once the contact exists', async () => {
			const launch = 'cause-sweep';
			const checkout = [{ orderId: 'ord_s1', email: 'late@example.com', productId: 'course' }];
			await t.ledger.reconcile.sweep({ launch, checkout });
			await t.ledger.reconcile.sweep({ launch, checkout });
			const [item, ...more] = await t.ledger.review.list(launch);
			assert.deepEqual([item!.kind, item!.reason, item!.subject, more.length], ['purchase_match', 'purchase_without_contact', 'order:ord_s1', 0]);
			await t.ledger.contacts.upsert({ launch, email: 'late@example.com' });
			await t.ledger.reconcile.sweep({ launch, checkout });
			const closed = await t.ledger.review.get(item!.id);
			assert.deepEqual([closed!.status, closed!.resolution], ['resolved', 'matched by reconciliation to a contact']);
			assert.equal((await t.ledger.review.list(launch)).length, 1, 'no new item once matched');
		});

		it('two contacts claiming one email: one item per pair (either way round), closed by a merge', async () => {
			const launch = 'cause-pair';
			const ada = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const other = await t.ledger.contacts.upsert({ launch, email: 'ada.l@example.com' });
			const a = await t.ledger.contacts.link({ launch, contactId: other.contactId, kind: 'email', value: 'ada@example.com' });
			const b = await t.ledger.contacts.link({ launch, contactId: other.contactId, kind: 'email', value: 'ADA@example.com' });
			const c = await t.ledger.contacts.link({ launch, contactId: ada.contactId, kind: 'email', value: 'ada.l@example.com' });
			assert.equal(a.status, 'conflict');
			assert.equal(b.review!.id, a.review!.id);
			assert.equal(c.review!.id, a.review!.id, 'the same two contacts the other way round are the same cause');
			await t.ledger.contacts.merge({ launch, sourceContactId: other.contactId, targetContactId: ada.contactId, source: 'sam' });
			const closed = await t.ledger.review.get(a.review!.id);
			assert.deepEqual([closed!.status, closed!.resolvedBy, closed!.resolution], ['resolved', 'sam', `merged ${other.contactId} into ${ada.contactId}`]);
		});

		it('a merge with two different pins: one item for the row, closed by the pin a person sets on it', async () => {
			const launch = 'cause-pins';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const carol = (await t.ledger.contacts.upsert({ launch, email: 'carol@example.com' })).contactId;
			const dave = (await t.ledger.contacts.upsert({ launch, email: 'dave@example.com' })).contactId;
			await t.ledger.purchases.pin({ launch, contactId: carol, productId: 'course', pin: 'grant', reason: 'comp', by: 'ops' });
			await t.ledger.purchases.pin({ launch, contactId: dave, productId: 'course', pin: 'revoke', reason: 'fraud', by: 'ops' });
			await t.ledger.contacts.merge({ launch, sourceContactId: carol, targetContactId: dave });
			const [item] = await t.ledger.review.list(launch, { status: 'open' });
			assert.deepEqual([item!.reason, item!.subject], ['merged_conflicting_pins', `access:${dave}:course:merged_conflicting_pins`]);
			await t.ledger.purchases.pin({ launch, contactId: dave, productId: 'course', pin: 'grant', reason: 'the fraud flag was wrong', by: 'kim' });
			const closed = await t.ledger.review.get(item!.id);
			assert.deepEqual([closed!.status, closed!.resolvedBy, closed!.resolution], ['resolved', 'kim', 'access pinned to "grant": the fraud flag was wrong']);
		});

		it('the unique index, not a search, keeps one open item per cause when many transactions open it at once', async () => {
			const launch = 'cause-race';
			const ada = await t.ledger.contacts.upsert({ launch, email: 'race@example.com' });
			const others = await Promise.all(Array.from({ length: 3 }, (_, i) => t.ledger.contacts.upsert({ launch, email: `race${i}@example.com` })));
			const links = await Promise.all(
				others.flatMap((o) => Array.from({ length: 4 }, () => t.ledger.contacts.link({ launch, contactId: o.contactId, kind: 'email', value: 'race@example.com' }))),
			);
			assert.ok(links.every((l) => l.status === 'conflict' && l.review?.otherContactId === ada.contactId));
			const open = await t.ledger.review.list(launch, { status: 'open' });
			assert.equal(open.length, 3, 'one item per pair, however many links raced');
			const rows = await t.ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM review_items WHERE launch = $1`, [launch]);
			assert.equal(Number(rows[0]!.n), 3);
		});
	});
}
