import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { parseWebhookBody, type PurchaseEvent } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { gumroad, lemonSqueezy, shopify, stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const SECRET = 'whsec_contract';

function stripeSigned(payload: object, at = Date.now()): { rawBody: string; headers: Record<string, string> } {
	const rawBody = JSON.stringify(payload);
	const t = Math.floor(at / 1000);
	return { rawBody, headers: { 'content-type': 'application/json', 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${rawBody}`).digest('hex')}` } };
}

const ev = (payload: object): PurchaseEvent => normalizePurchaseEvent('stripe', payload);

async function outboxKinds(t: TestLedger, launch: string, contactId: string): Promise<string[]> {
	const rows = await t.ledger.store.query<{ kind: string }>('SELECT kind FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY seq', [launch, contactId]);
	return rows.map((r) => r.kind);
}

for (const driver of DRIVERS) {
	describe(`[${driver}] purchases: durable inbox`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('stores one event id once when it is delivered 20 times at the same moment, and processes it once', async () => {
			const launch = 'inbox-par';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const delivery = stripeSigned(stripe.checkoutCompleted('evt_par'));
			const results = await Promise.all(Array.from({ length: 20 }, () => t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...delivery })));
			assert.equal(results.filter((r) => !r.duplicate).length, 1, 'exactly one delivery is new');
			assert.ok(results.every((r) => r.httpStatus === 200 && r.id === results[0]!.id));
			const [entry] = await t.ledger.purchases.inbox(launch, { eventId: 'evt_par' });
			assert.equal(entry!.attempts, 20);
			// Every delivery asks to process; only the first does anything.
			const decisions = await Promise.all(results.map((r) => t.ledger.purchases.process(r.id)));
			assert.deepEqual(decisions.filter((d) => !d.duplicate).map((d) => d.decision), ['grant']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant']);
			assert.equal((await t.ledger.purchases.inboxEntry(entry!.id))!.status, 'processed');
		});

		it('stores rejected deliveries with the reason, answers 401, never processes them, and does not let a forged id block the real one', async () => {
			const launch = 'inbox-bad';
			const real = stripeSigned(stripe.checkoutCompleted('evt_forged'));
			const forged = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: real.rawBody, headers: { 'Stripe-Signature': 't=1,v1=00' } });
			assert.deepEqual([forged.httpStatus, forged.status, forged.duplicate], [401, 'rejected', false]);
			const stale = stripeSigned(stripe.checkoutCompleted('evt_stale'), Date.now() - 3_600_000);
			const staleResult = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stale });
			assert.equal(staleResult.httpStatus, 401);
			const stored = await t.ledger.purchases.inboxEntry(forged.id);
			assert.deepEqual([stored!.status, stored!.signatureOk, stored!.signatureReason, stored!.rawBody], ['rejected', false, 'bad_signature', real.rawBody]);
			assert.equal((await t.ledger.purchases.inboxEntry(staleResult.id))!.signatureReason, 'stale_timestamp');
			await assert.rejects(t.ledger.purchases.process(forged.id), /never processed/);
			const genuine = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...real });
			assert.deepEqual([genuine.httpStatus, genuine.duplicate, genuine.status], [200, false, 'received']);
		});

		it('a non-JSON body that verifies is kept as rejected (400); an unknown event type is recorded, answered 200 and ignored', async () => {
			const launch = 'inbox-input';
			const t0 = Math.floor(Date.now() / 1000);
			const raw = '{not json';
			const sig = createHmac('sha256', SECRET).update(`${t0}.${raw}`).digest('hex');
			const unreadable = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: raw, headers: { 'Stripe-Signature': `t=${t0},v1=${sig}` } });
			assert.deepEqual([unreadable.httpStatus, unreadable.status, unreadable.error?.field], [400, 'rejected', 'body']);
			assert.equal((await t.ledger.purchases.inboxEntry(unreadable.id))!.rawBody, raw, 'what was received is kept');

			const unknown = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSigned({ id: 'evt_u', type: 'customer.updated', data: { object: {} } }) });
			assert.equal(unknown.httpStatus, 200);
			const decision = await t.ledger.purchases.process(unknown.id);
			assert.deepEqual([decision.decision, decision.reason], ['no_change', 'unknown_event_type']);
			assert.equal((await t.ledger.purchases.inboxEntry(unknown.id))!.status, 'ignored');
			const history = await t.ledger.contacts.launchHistory(launch, { types: ['purchase.*'] });
			assert.deepEqual(history.map((e) => e.type), ['purchase.webhook_rejected', 'purchase.ignored']);
		});

		it('Lemon Squeezy and Shopify deliveries dedupe on their own ids; Gumroad needs the URL secret and a confirmed sale', async () => {
			const launch = 'inbox-providers';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', aliases: { lemonsqueezy: ['42'], gumroad: ['prod_gum'] } });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const lsBody = JSON.stringify(lemonSqueezy.order('order_created'));
			const lsHeaders = { 'X-Signature': createHmac('sha256', SECRET).update(lsBody).digest('hex'), 'X-Event-Name': 'order_created' };
			const ls = [await t.ledger.purchases.receive({ launch, provider: 'lemonsqueezy', secret: SECRET, rawBody: lsBody, headers: lsHeaders }), await t.ledger.purchases.receive({ launch, provider: 'lemonsqueezy', secret: SECRET, rawBody: lsBody, headers: lsHeaders })];
			assert.deepEqual(ls.map((r) => r.duplicate), [false, true]);
			assert.equal((await t.ledger.purchases.process(ls[0]!.id)).decision, 'grant');

			const shBody = JSON.stringify(shopify.order());
			const shHeaders = { ...shopify.headers('orders/paid', 'wh-9'), 'X-Shopify-Hmac-Sha256': createHmac('sha256', SECRET).update(shBody).digest('base64') };
			const sh = await t.ledger.purchases.receive({ launch, provider: 'shopify', secret: SECRET, rawBody: shBody, headers: shHeaders });
			assert.deepEqual([sh.httpStatus, sh.event?.eventId], [200, 'wh-9']);
			assert.equal((await t.ledger.purchases.receive({ launch, provider: 'shopify', secret: SECRET, rawBody: shBody, headers: shHeaders })).duplicate, true);

			const gumroadLaunch = 'inbox-gumroad';
			await t.ledger.purchases.defineProduct({ launch: gumroadLaunch, productId: 'prod_gum' });
			const buyer = await t.ledger.contacts.upsert({ launch: gumroadLaunch, email: 'ada@example.com' });
			const body = gumroad.sale();
			assert.equal((await t.ledger.purchases.receive({ launch: gumroadLaunch, provider: 'gumroad', secret: SECRET, rawBody: body, headers: {}, urlSecret: 'wrong' })).httpStatus, 401);
			const ok = await t.ledger.purchases.receive({ launch: gumroadLaunch, provider: 'gumroad', secret: SECRET, rawBody: body, headers: {}, urlSecret: SECRET });
			assert.deepEqual([ok.httpStatus, ok.verification], [200, { ok: true, needsConfirmation: true }]);
			const unconfirmed = await t.ledger.purchases.apply(gumroadLaunch, normalizePurchaseEvent('gumroad', parseWebhookBody('gumroad', body)));
			assert.deepEqual([unconfirmed.decision, unconfirmed.reason], ['no_change', 'needs_confirmation']);
			const confirmed = await t.ledger.purchases.process(ok.id, { confirmed: true });
			assert.equal(confirmed.decision, 'grant');
			assert.deepEqual(await outboxKinds(t, gumroadLaunch, buyer.contactId), ['grant']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant']);
		});
	});

	describe(`[${driver}] purchases: checkout token and matching`, () => {
		let t: TestLedger;
		const launch = 'match';
		before(async () => {
			t = await freshLedger(driver);
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
		});
		after(async () => t.cleanup());

		it('a checkout token is an identifier of the contact and says what to pass to each provider', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'tok@example.com' });
			const token = await t.ledger.purchases.createCheckoutToken({ launch, contactId });
			assert.match(token.token, /^wlt_[0-9a-f]{32}$/);
			assert.equal(token.stripe.client_reference_id, token.token);
			assert.deepEqual(token.paddle.custom_data, { wl_token: token.token });
			assert.deepEqual(token.lemonSqueezy.checkout_data.custom, { wl_token: token.token });
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'purchase_token', value: token.token }))?.id, contactId);
		});

		it('matches by token, and links the different email paid with and the provider customer id', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'waitlist@example.com' });
			const { token } = await t.ledger.purchases.createCheckoutToken({ launch, contactId });
			const d = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_m1', { token, email: 'Paid.With@Example.com', customer: 'cus_tok', order: 'pi_m1' })));
			assert.deepEqual([d.decision, d.matchedBy, d.contactId], ['grant', 'token', contactId]);
			assert.deepEqual(d.linked.sort(), ['customer_id:stripe:cus_tok', 'email:Paid.With@Example.com']);
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'email', value: 'paid.with@example.com' }))?.id, contactId);
			const history = await t.ledger.contacts.history(contactId, { types: ['identifier.linked'] });
			assert.ok(history.some((e) => e.data.value === 'Paid.With@Example.com'), 'the link is recorded');
		});

		it('matches by provider customer id, then by email (any linked email)', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'cust@example.com', customerId: 'stripe:cus_known' });
			const byCustomer = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_m2', { email: 'other@example.com', customer: 'cus_known', order: 'pi_m2' })));
			assert.deepEqual([byCustomer.matchedBy, byCustomer.contactId], ['customer_id', contactId]);

			const second = await t.ledger.contacts.upsert({ launch, email: 'first@example.com', identifiers: [{ kind: 'email', value: 'second@example.com' }] });
			const byEmail = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_m3', { email: 'SECOND@example.com', customer: 'cus_new', order: 'pi_m3' })));
			assert.deepEqual([byEmail.decision, byEmail.matchedBy, byEmail.contactId], ['grant', 'email', second.contactId]);
		});

		it('no match → review, never dropped; the purchase is kept and later events of it reach the same review', async () => {
			const d = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_m4', { email: 'stranger@example.com', customer: 'cus_stranger', order: 'pi_m4' })));
			assert.deepEqual([d.decision, d.reason, d.contactId], ['review', 'no_contact_match', null]);
			const item = await t.ledger.review.get(d.reviewId!);
			assert.deepEqual([item!.kind, item!.status, item!.payload.eventId, item!.payload.email], ['purchase', 'open', 'evt_m4', 'stranger@example.com']);
			const facts = await t.ledger.store.query<{ captured_at: number | null }>('SELECT captured_at FROM purchases WHERE order_id = $1', ['pi_m4']);
			assert.notEqual(facts[0]!.captured_at, null, 'the capture is recorded for when the person is found');
		});

		it('an intent, an unpaid session and a partial payment never grant; the capture that follows does', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'intent@example.com' });
			const o = { email: 'intent@example.com', customer: 'cus_intent', order: 'pi_intent' };
			const intent = await t.ledger.purchases.apply(launch, ev(stripe.paymentIntentCreated('evt_i1', o)));
			assert.deepEqual([intent.decision, intent.reason, intent.accessState], ['no_change', 'no_contact_match', null], 'an intent without an email matches nobody yet, and opens no review');
			const unpaid = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_i2', { ...o, paymentStatus: 'unpaid' })));
			assert.deepEqual([unpaid.decision, unpaid.reason, unpaid.contactId, unpaid.accessState], ['no_change', 'authorized', contactId, 'none']);
			assert.deepEqual(await t.ledger.review.list(launch, { contactId }), []);
			const shopLaunch = 'match-shopify';
			await t.ledger.purchases.defineProduct({ launch: shopLaunch, productId: 'course', aliases: { shopify: ['632910392'] } });
			const buyer = await t.ledger.contacts.upsert({ launch: shopLaunch, email: 'ada@example.com' });
			const partial = await t.ledger.purchases.apply(shopLaunch, normalizePurchaseEvent('shopify', shopify.order({ financialStatus: 'partially_paid' }), { headers: shopify.headers('orders/paid', 'wh-p1') }));
			assert.deepEqual([partial.decision, partial.reason, partial.contactId], ['no_change', 'partial_payment', buyer.contactId]);
			assert.deepEqual(await outboxKinds(t, shopLaunch, buyer.contactId), []);
			const paid = await t.ledger.purchases.apply(launch, ev(stripe.asyncSucceeded('evt_i3', o)));
			assert.deepEqual([paid.decision, paid.accessState], ['grant', 'granted']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant']);
		});

		it('a delivery that went to review is replayed once a person has fixed the cause, and grants once', async () => {
			const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSigned(stripe.checkoutCompleted('evt_rv1', { email: 'gift@example.com', customer: 'cus_gift', order: 'pi_rv' })) });
			const first = await t.ledger.purchases.process(received.id);
			assert.deepEqual([first.decision, first.reason], ['review', 'no_contact_match']);
			assert.equal((await t.ledger.purchases.replay(received.id)).decision, 'review', 'nothing fixed yet: still review');
			// The person: the buyer paid for someone on the waitlist.
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'friend@example.com' });
			await t.ledger.contacts.link({ launch, contactId, kind: 'email', value: 'gift@example.com' });
			const replayed = await t.ledger.purchases.replay(received.id);
			assert.deepEqual([replayed.decision, replayed.contactId, replayed.matchedBy], ['grant', contactId, 'email']);
			await assert.rejects(t.ledger.purchases.replay(received.id), /did not go to review/);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant']);
			const notReview = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSigned({ id: 'evt_rv2', type: 'customer.updated', data: { object: {} } }) });
			await t.ledger.purchases.process(notReview.id);
			await assert.rejects(t.ledger.purchases.replay(notReview.id), /did not go to review/);
		});

		it('bad input: unknown product, amount or currency that does not fit → review, no grant', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'bad@example.com' });
			const unknownProduct = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_b1', { email: 'bad@example.com', product: 'nope', order: 'pi_b1' })));
			assert.deepEqual([unknownProduct.decision, unknownProduct.reason], ['review', 'unknown_product']);
			const cheap = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_b2', { email: 'bad@example.com', amount: 100, order: 'pi_b2' })));
			assert.deepEqual([cheap.decision, cheap.reason, cheap.contactId], ['review', 'amount_mismatch', contactId]);
			const euros = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_b3', { email: 'bad@example.com', currency: 'eur', order: 'pi_b3' })));
			assert.deepEqual([euros.decision, euros.reason], ['review', 'currency_mismatch']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), []);
			assert.equal(await t.ledger.purchases.access({ launch, contactId, productId: 'course' }), null);
			const open = await t.ledger.review.list(launch, { status: 'open', contactId });
			assert.deepEqual(open.map((r) => r.reason).sort(), ['amount_mismatch', 'currency_mismatch']);
		});
	});

	describe(`[${driver}] purchases: refund window, pins, forget`, () => {
		let t: TestLedger;
		const launch = 'window';
		before(async () => {
			t = await freshLedger(driver);
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
		});
		after(async () => t.cleanup());

		it('a full refund keeps access until the window is over, then the sweep revokes once; a partial refund changes nothing', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'refund@example.com' });
			const now = Date.now();
			await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_w1', { email: 'refund@example.com', customer: 'cus_refund', order: 'pi_w' })), { now });
			const partial = await t.ledger.purchases.apply(launch, ev(stripe.chargeRefunded('evt_w2', { order: 'pi_w', refunded: 100 })), { now, revokeAfterMs: 60_000 });
			assert.deepEqual([partial.decision, partial.accessState], ['no_change', 'granted']);
			const refund = await t.ledger.purchases.apply(launch, ev(stripe.chargeRefunded('evt_w3', { order: 'pi_w' })), { now, revokeAfterMs: 60_000 });
			assert.deepEqual([refund.decision, refund.accessState, refund.revokeAfter], ['no_change', 'revoke_pending', now + 60_000]);
			// A later event handled without the window option does not shorten the window fixed at the refund.
			const late = await t.ledger.purchases.apply(launch, ev(stripe.asyncSucceeded('evt_w4', { email: 'refund@example.com', customer: 'cus_refund', order: 'pi_w' })), { now });
			assert.deepEqual([late.decision, late.accessState, late.revokeAfter], ['no_change', 'revoke_pending', now + 60_000]);
			assert.deepEqual(await t.ledger.purchases.dueRevocations({ launch, now: now + 59_999 }), []);
			const due = await t.ledger.purchases.dueRevocations({ launch, now: now + 60_000 });
			assert.deepEqual(due.map((d) => [d.contactId, d.decision, d.accessState]), [[contactId, 'revoke', 'revoked']]);
			assert.deepEqual(await t.ledger.purchases.dueRevocations({ launch, now: now + 120_000 }), []);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant', 'revoke']);
			const transitions = await t.ledger.contacts.history(contactId, { types: ['access.*'] });
			assert.deepEqual(transitions.map((e) => e.type), ['access.granted', 'access.revoke_pending', 'access.revoked']);
		});

		it('partial refunds that add up to the price are a full refund', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'parts@example.com' });
			const o = { email: 'parts@example.com', customer: 'cus_parts', order: 'pi_parts' };
			await t.ledger.purchases.apply(launch, normalizePurchaseEvent('generic', { event_id: 'g_cap', type: 'captured', order_id: 'pi_parts', product_id: 'course', amount: 5900, currency: 'USD', email: o.email }));
			const first = await t.ledger.purchases.apply(launch, normalizePurchaseEvent('generic', { event_id: 'g_r1', type: 'refunded', full_refund: false, order_id: 'pi_parts', amount: 2000 }));
			assert.deepEqual([first.decision, first.accessState], ['no_change', 'granted']);
			const second = await t.ledger.purchases.apply(launch, normalizePurchaseEvent('generic', { event_id: 'g_r2', type: 'refunded', full_refund: false, order_id: 'pi_parts', amount: 5900 }));
			assert.deepEqual([second.decision, second.accessState], ['revoke', 'revoked']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant', 'revoke']);
		});

		it('a pin wins over events until removed, and is logged with its reason', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'pin@example.com' });
			const pinned = await t.ledger.purchases.pin({ launch, contactId, productId: 'course', pin: 'grant', reason: 'scholarship', by: 'ops:sam' });
			assert.deepEqual([pinned.decision, pinned.accessState], ['grant', 'granted']);
			await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_p1', { email: 'pin@example.com', customer: 'cus_pin', order: 'pi_pin' })));
			const refund = await t.ledger.purchases.apply(launch, ev(stripe.chargeRefunded('evt_p2', { order: 'pi_pin' })));
			assert.deepEqual([refund.decision, refund.reason, refund.accessState], ['no_change', 'pinned', 'granted']);
			const unpinned = await t.ledger.purchases.unpin({ launch, contactId, productId: 'course', by: 'ops:sam', reason: 'scholarship ended' });
			assert.deepEqual([unpinned.decision, unpinned.accessState], ['revoke', 'revoked']);
			const revokePin = await t.ledger.purchases.pin({ launch, contactId, productId: 'course', pin: 'revoke', reason: 'abuse', by: 'ops:sam' });
			assert.equal(revokePin.decision, 'no_change');
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant', 'revoke']);
			const log = await t.ledger.contacts.history(contactId, { types: ['access.pinned', 'access.unpinned'] });
			assert.deepEqual(log.map((e) => [e.type, e.data.reason]), [['access.pinned', 'scholarship'], ['access.unpinned', 'scholarship ended'], ['access.pinned', 'abuse']]);
			await assert.rejects(t.ledger.purchases.pin({ launch, contactId, productId: 'course', pin: 'grant', reason: ' ', by: 'ops:sam' }), /reason: is required/);
		});

		it('forget redacts the email on purchases and the raw bodies of matched deliveries', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'forget@example.com' });
			const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSigned(stripe.checkoutCompleted('evt_f1', { email: 'forget@example.com', customer: 'cus_forget', order: 'pi_f' })) });
			assert.equal((await t.ledger.purchases.process(received.id)).contactId, contactId);
			// A rejected delivery is never matched to anyone, but it still carries the email.
			const unmatched = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: JSON.stringify(stripe.checkoutCompleted('evt_f2', { email: 'forget@example.com' })), headers: {} });
			const someoneElse = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: JSON.stringify(stripe.checkoutCompleted('evt_f3', { email: 'other-person@example.com' })), headers: {} });
			await t.ledger.contacts.forget({ launch, contactId });
			const entry = await t.ledger.purchases.inboxEntry(received.id);
			assert.doesNotMatch(entry!.rawBody, /forget@example\.com/);
			const [purchase] = await t.ledger.store.query<{ email: string | null }>('SELECT email FROM purchases WHERE order_id = $1', ['pi_f']);
			assert.equal(purchase!.email, null);
			assert.equal((await t.ledger.purchases.inboxEntry(unmatched.id))!.rawBody, '{"forgotten":true}', 'an unmatched delivery that names the person is redacted too');
			assert.match((await t.ledger.purchases.inboxEntry(someoneElse.id))!.rawBody, /other-person@example\.com/, 'other people\'s deliveries are kept');
		});
	});
}
