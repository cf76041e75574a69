import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { stripeSign } from '../support/purchase-signing';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Each review action, one ledger call: the item closes with who and why (on the item and in the
 * contacts' history), the ledger is in the state the action promises, and acting again reads
 * "already resolved by X at T" with nothing done twice.
 */

const SECRET = 'whsec_review_actions';

async function deliver(t: TestLedger, launch: string, payload: object): Promise<string> {
	const rawBody = JSON.stringify(payload);
	const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
	return received.id;
}

async function outbox(t: TestLedger, launch: string): Promise<{ kind: string; contact_id: string; status: string }[]> {
	return t.ledger.store.query('SELECT kind, contact_id, status FROM outbox WHERE launch = $1 ORDER BY seq', [launch]);
}

const by = { by: 'sam@example.com', reason: 'checked the order by hand' };

for (const driver of DRIVERS) {
	describe(`[${driver}] review actions`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		/** An unknown-email purchase in review; returns its item id and inbox entry. */
		async function unknownBuyer(launch: string, order: string, email = `${order}@pay.example`): Promise<{ reviewId: string; inboxId: string }> {
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const inboxId = await deliver(t, launch, stripe.checkoutCompleted(`evt_${order}`, { email, customer: `cus_${order}`, order }));
			const d = await t.ledger.purchases.process(inboxId);
			assert.equal(d.decision, 'review');
			return { reviewId: d.reviewId!, inboxId };
		}

		it('match a purchase to a contact: the paid email and customer id are linked, the delivery replayed, the grant enqueued once', async () => {
			const launch = 'act-match';
			const { reviewId, inboxId } = await unknownBuyer(launch, 'pi_match');
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com', fields: { first_name: 'Ada' } });
			const [found] = await t.ledger.review.searchContacts(launch, 'Ada');
			assert.deepEqual([found?.id, found?.email, found?.name], [contactId, 'ada@example.com', 'Ada'], 'found by name');
			assert.equal((await t.ledger.review.searchContacts(launch, 'ada@'))[0]?.id, contactId, 'found by email prefix');
			assert.deepEqual(await t.ledger.review.searchContacts(launch, '%'), [], 'a wildcard is a literal character');

			const result = await t.ledger.review.matchPurchase({ reviewId, contactId, ...by });
			assert.deepEqual([result.decision?.decision, result.decision?.contactId], ['grant', contactId]);
			assert.deepEqual(result.linked?.sort(), ['customer_id:stripe:cus_pi_match', 'email:pi_match@pay.example']);
			assert.deepEqual((await outbox(t, launch)).map((o) => [o.kind, o.contact_id]), [['grant', contactId]]);
			assert.equal((await t.ledger.purchases.inboxEntry(inboxId))?.decision, 'grant');
			const item = await t.ledger.review.get(reviewId);
			assert.deepEqual([item!.status, item!.resolvedBy], ['resolved', 'sam@example.com']);
			assert.match(item!.resolution!, new RegExp(`^matched to contact ${contactId}: checked the order by hand$`));
			const history = await t.ledger.contacts.history(contactId, { types: ['review.matched'] });
			assert.deepEqual(history.map((e) => [e.data.by, e.data.reason]), [['sam@example.com', 'checked the order by hand']]);

			await assert.rejects(t.ledger.review.matchPurchase({ reviewId, contactId, by: 'kim', reason: 'same' }), /already resolved by sam@example\.com at \d{4}-\d\d-\d\dT.*: matched to contact/);
			assert.equal((await outbox(t, launch)).length, 1, 'nothing done twice');
		});

		it('a match that names a contact that does not exist, or an email another contact owns, changes nothing', async () => {
			const launch = 'act-match-bad';
			const { reviewId } = await unknownBuyer(launch, 'pi_bad', 'owned@example.com');
			await assert.rejects(t.ledger.review.matchPurchase({ reviewId, contactId: 'c_nope', ...by }), /^Error: contactId: no contact "c_nope"|contactId/);
			assert.equal((await t.ledger.review.get(reviewId))?.status, 'open');
			// Someone else signed up with the paid email after the purchase went to review.
			const owner = await t.ledger.contacts.upsert({ launch, email: 'owned@example.com' });
			const chosen = await t.ledger.contacts.upsert({ launch, email: 'chosen@example.com' });
			await assert.rejects(t.ledger.review.matchPurchase({ reviewId, contactId: chosen.contactId, ...by }), new RegExp(`belongs to contact ${owner.contactId}`));
			assert.equal((await t.ledger.review.get(reviewId))?.status, 'open', 'rolled back: still open');
			assert.deepEqual(await outbox(t, launch), []);
		});

		it('replay a delivery once its cause was fixed elsewhere (the product defined)', async () => {
			const launch = 'act-replay';
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'buyer@example.com' });
			const inboxId = await deliver(t, launch, stripe.checkoutCompleted('evt_rp', { email: 'buyer@example.com', product: 'ebook', order: 'pi_rp' }));
			const d = await t.ledger.purchases.process(inboxId);
			assert.deepEqual([d.decision, d.reason], ['review', 'unknown_product']);
			await t.ledger.purchases.defineProduct({ launch, productId: 'ebook', amount: 5900, currency: 'USD' });
			const replayed = await t.ledger.review.replay({ reviewId: d.reviewId!, ...by });
			assert.deepEqual([replayed.decision?.decision, replayed.item.status], ['grant', 'resolved']);
			assert.deepEqual((await outbox(t, launch)).map((o) => [o.kind, o.contact_id]), [['grant', contactId]]);
		});

		it('merge two contacts from a link conflict, or keep them apart', async () => {
			const launch = 'act-merge';
			const ada = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const dup = await t.ledger.contacts.upsert({ launch, email: 'ada.work@example.com' });
			const conflict = await t.ledger.contacts.link({ launch, contactId: dup.contactId, kind: 'email', value: 'ada@example.com' });
			const merged = await t.ledger.review.merge({ reviewId: conflict.review!.id, ...by });
			assert.equal(merged.contactId, ada.contactId, 'the item\'s contact goes into the one that owns the identifier');
			assert.deepEqual([(await t.ledger.contacts.get(dup.contactId))?.status, (await t.ledger.contacts.get(dup.contactId))?.mergedInto], ['merged', ada.contactId]);
			// Unmerge stays the contacts' own action.
			await t.ledger.contacts.unmerge({ launch, contactId: dup.contactId });
			assert.equal((await t.ledger.contacts.get(dup.contactId))?.status, 'active');

			const bob = await t.ledger.contacts.upsert({ launch, email: 'bob@example.com' });
			const again = await t.ledger.contacts.link({ launch, contactId: bob.contactId, kind: 'email', value: 'ada@example.com' });
			const apart = await t.ledger.review.keepApart({ reviewId: again.review!.id, by: 'sam', reason: 'different people' });
			assert.deepEqual([apart.item.status, apart.item.resolution], ['resolved', 'kept apart: different people']);
			assert.equal((await t.ledger.contacts.get(bob.contactId))?.status, 'active');
			const history = await t.ledger.contacts.history(ada.contactId, { types: ['review.resolved'] });
			assert.ok(history.some((e) => e.data.resolution === 'kept apart: different people' && e.data.by === 'sam'), 'in both contacts\' history');
			await assert.rejects(t.ledger.review.dismiss({ reviewId: again.review!.id, by: 'kim', reason: 'x' }), /already resolved by sam at .*: kept apart: different people/);
			const pricey = await unknownBuyer(launch, 'pi_wrongkind');
			await assert.rejects(t.ledger.review.merge({ reviewId: pricey.reviewId, ...by }), /is a purchase item .*"merged" applies to link_identifier or possible_duplicate items only/);
		});

		it('give access by hand to a purchase held for its price, with a pin and the reason; dismiss another', async () => {
			const launch = 'act-pin';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'coupon@example.com' });
			const cheap = await t.ledger.purchases.process(await deliver(t, launch, stripe.checkoutCompleted('evt_cp', { email: 'coupon@example.com', amount: 100, order: 'pi_cp' })));
			assert.deepEqual([cheap.decision, cheap.reason], ['review', 'amount_mismatch']);
			await assert.rejects(t.ledger.review.matchPurchase({ reviewId: cheap.reviewId!, contactId, ...by }), /stopped for amount_mismatch, not for a missing contact/);
			const pinned = await t.ledger.review.pin({ reviewId: cheap.reviewId!, pin: 'grant', by: 'sam', reason: 'a 98% coupon we gave' });
			assert.deepEqual([pinned.decision?.decision, pinned.decision?.accessState], ['grant', 'granted']);
			const access = await t.ledger.purchases.access({ launch, contactId, productId: 'course' });
			assert.deepEqual([access?.pin, access?.pinReason, access?.pinnedBy], ['grant', 'a 98% coupon we gave', 'sam']);
			assert.equal(pinned.item.resolution, 'access given by hand: a 98% coupon we gave');

			const euros = await t.ledger.purchases.process(await deliver(t, launch, stripe.checkoutCompleted('evt_eu', { email: 'coupon@example.com', currency: 'eur', order: 'pi_eu' })));
			const dismissed = await t.ledger.review.dismiss({ reviewId: euros.reviewId!, by: 'sam', reason: 'refunded at Stripe already' });
			assert.deepEqual([dismissed.item.status, dismissed.item.resolution], ['resolved', 'dismissed: refunded at Stripe already']);
			await assert.rejects(t.ledger.review.dismiss({ reviewId: euros.reviewId!, by: 'sam', reason: ' ' }), /reason: is required/);
		});

		it('release or discard a held grant, and retry a dead letter, once each', async () => {
			const launch = 'act-outbox';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			await t.ledger.outbox.pause({ launch, by: 'sam', reason: 'checking a price bug' });
			const ids: string[] = [];
			for (const who of ['a', 'b']) {
				await t.ledger.contacts.upsert({ launch, email: `${who}@example.com` });
				ids.push((await t.ledger.purchases.process(await deliver(t, launch, stripe.checkoutCompleted(`evt_h${who}`, { email: `${who}@example.com`, customer: `cus_h${who}`, order: `pi_h${who}` })))).outboxId!);
			}
			const held = await t.ledger.outbox.held(launch);
			assert.deepEqual(held.map((h) => h.id).sort(), [...ids].sort());
			await t.ledger.review.releaseHeld({ launch, entryId: ids[0]!, ...by });
			await t.ledger.review.discardHeld({ launch, entryId: ids[1]!, ...by });
			assert.deepEqual([(await t.ledger.outbox.get(ids[0]!))?.status, (await t.ledger.outbox.get(ids[1]!))?.status], ['pending', 'discarded']);
			await assert.rejects(t.ledger.review.discardHeld({ launch, entryId: ids[0]!, ...by }), /outbox entry .* is pending since .*, not held: it cannot be discarded/);

			const { id } = await t.ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'dead-1' });
			const [claimed] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'w', kinds: ['crm_sync'] });
			await t.ledger.outbox.fail(launch, [{ id, claimToken: claimed!.claimToken, error: '400 invalid email', permanent: true }]);
			const dead = await t.ledger.review.deadLetters(launch);
			assert.deepEqual(dead.items.map((d) => [d.id, d.kind, d.lastError]), [[id, 'crm_sync', '400 invalid email']]);
			await t.ledger.review.retryDead({ launch, entryId: id, ...by });
			assert.equal((await t.ledger.outbox.get(id))?.status, 'pending');
			await assert.rejects(t.ledger.review.retryDead({ launch, entryId: id, ...by }), /is pending since .*, not dead: it cannot be retried/);
		});
	});
}
