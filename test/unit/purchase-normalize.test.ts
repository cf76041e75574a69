import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LedgerInputError, parseWebhookBody, type PurchaseEvent } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { gumroad, lemonSqueezy, paddle, shopify, stripe } from '../support/purchase-fixtures';

const pick = (e: PurchaseEvent, keys: (keyof PurchaseEvent)[]) => Object.fromEntries(keys.map((k) => [k, e[k]]));
const CORE: (keyof PurchaseEvent)[] = ['eventId', 'type', 'orderId', 'productId', 'amount', 'currency', 'email', 'customerId', 'checkoutToken'];

describe('purchase normalization: Stripe', () => {
	it('checkout.session.completed with payment_status paid is a capture carrying the token from client_reference_id', () => {
		const e = normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_1', { token: 'tok_a' }));
		assert.deepEqual(pick(e, CORE), {
			eventId: 'evt_1',
			type: 'captured',
			orderId: 'pi_1',
			productId: 'course',
			amount: 5900,
			currency: 'USD',
			email: 'ada@example.com',
			customerId: 'stripe:cus_Q1',
			checkoutToken: 'tok_a',
		});
	});

	it('payment_status unpaid (async method pending) never captures; async_payment_succeeded does', () => {
		assert.equal(normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_2', { paymentStatus: 'unpaid' })).type, 'authorized');
		const later = normalizePurchaseEvent('stripe', stripe.asyncSucceeded('evt_3', { token: 'tok_a' }));
		assert.deepEqual([later.type, later.orderId, later.checkoutToken], ['captured', 'pi_1', 'tok_a']);
	});

	it('payment_intent.created is an intent on the same order', () => {
		const e = normalizePurchaseEvent('stripe', stripe.paymentIntentCreated('evt_4'));
		assert.deepEqual([e.type, e.orderId], ['authorized', 'pi_1']);
	});

	it('charge.refunded: full and partial', () => {
		const full = normalizePurchaseEvent('stripe', stripe.chargeRefunded('evt_5'));
		assert.deepEqual([full.type, full.fullRefund, full.amount, full.orderId], ['refunded', true, 5900, 'pi_1']);
		const partial = normalizePurchaseEvent('stripe', stripe.chargeRefunded('evt_6', { refunded: 1000 }));
		assert.deepEqual([partial.type, partial.fullRefund, partial.amount], ['refunded', false, 1000]);
	});

	it('disputes: created opens, closed won / lost / warning_closed', () => {
		assert.equal(normalizePurchaseEvent('stripe', stripe.dispute('evt_7', 'charge.dispute.created', 'needs_response')).type, 'dispute_opened');
		assert.equal(normalizePurchaseEvent('stripe', stripe.dispute('evt_8', 'charge.dispute.closed', 'won')).type, 'dispute_won');
		assert.equal(normalizePurchaseEvent('stripe', stripe.dispute('evt_9', 'charge.dispute.closed', 'lost')).type, 'dispute_lost');
		assert.equal(normalizePurchaseEvent('stripe', stripe.dispute('evt_10', 'charge.dispute.closed', 'warning_closed')).type, 'dispute_won');
		assert.equal(normalizePurchaseEvent('stripe', stripe.dispute('evt_11', 'charge.dispute.closed', 'lost')).orderId, 'pi_1');
	});

	it('an unknown event type is unknown, still with its id; a body without id names the field', () => {
		const e = normalizePurchaseEvent('stripe', { id: 'evt_12', type: 'customer.updated', data: { object: {} } });
		assert.deepEqual([e.type, e.eventId, e.providerType], ['unknown', 'evt_12', 'customer.updated']);
		assert.throws(() => normalizePurchaseEvent('stripe', { type: 'charge.refunded' }), (err: unknown) => err instanceof LedgerInputError && err.field === 'id');
		assert.throws(() => normalizePurchaseEvent('stripe', [1, 2]), (err: unknown) => err instanceof LedgerInputError && err.field === 'body');
	});
});

describe('purchase normalization: Lemon Squeezy, Paddle, Shopify, Gumroad, generic', () => {
	it('Lemon Squeezy order_created (paid) carries meta.custom_data; order_refunded is a refund with another event id', () => {
		const created = normalizePurchaseEvent('lemonsqueezy', lemonSqueezy.order('order_created', { token: 'tok_ls' }));
		assert.deepEqual(pick(created, CORE), {
			eventId: 'order_created:1:2026-11-27T09:00:00.000000Z',
			type: 'captured',
			orderId: '1',
			productId: '42',
			amount: 5900,
			currency: 'USD',
			email: 'ada@example.com',
			customerId: 'lemonsqueezy:7',
			checkoutToken: 'tok_ls',
		});
		assert.equal(normalizePurchaseEvent('lemonsqueezy', lemonSqueezy.order('order_created', { status: 'pending' })).type, 'authorized');
		const refunded = normalizePurchaseEvent('lemonsqueezy', lemonSqueezy.order('order_refunded', { status: 'partial_refund', refunded: 100 }));
		assert.deepEqual([refunded.type, refunded.fullRefund, refunded.amount, refunded.orderId], ['refunded', false, 100, '1']);
		assert.notEqual(refunded.eventId, created.eventId);
	});

	it('Paddle transaction.completed carries custom_data; adjustments refund, charge back, reverse', () => {
		const e = normalizePurchaseEvent('paddle', paddle.transactionCompleted('evt_p1', { token: 'tok_p' }));
		assert.deepEqual(pick(e, CORE), {
			eventId: 'evt_p1',
			type: 'captured',
			orderId: 'txn_1',
			productId: 'pro_1',
			amount: 5900,
			currency: 'USD',
			email: null,
			customerId: 'paddle:ctm_1',
			checkoutToken: 'tok_p',
		});
		const refund = normalizePurchaseEvent('paddle', paddle.adjustment('evt_p2', 'refund'));
		assert.deepEqual([refund.type, refund.fullRefund, refund.orderId], ['refunded', true, 'txn_1']);
		assert.equal(normalizePurchaseEvent('paddle', paddle.adjustment('evt_p3', 'chargeback')).type, 'dispute_lost');
		assert.equal(normalizePurchaseEvent('paddle', paddle.adjustment('evt_p4', 'chargeback_reverse')).type, 'dispute_won');
	});

	it('Shopify orders/paid uses the webhook id header and the wl_token note attribute; partially paid does not capture', () => {
		const e = normalizePurchaseEvent('shopify', shopify.order({ token: 'tok_s', order: '1001' }), { headers: shopify.headers('orders/paid', 'wh-1') });
		assert.deepEqual(pick(e, CORE), {
			eventId: 'wh-1',
			type: 'captured',
			orderId: '1001',
			productId: '632910392',
			amount: 5900,
			currency: 'USD',
			email: 'ada@example.com',
			customerId: 'shopify:115310627314723950',
			checkoutToken: 'tok_s',
		});
		const partial = normalizePurchaseEvent('shopify', shopify.order({ financialStatus: 'partially_paid' }), { headers: shopify.headers('orders/paid', 'wh-2') });
		assert.equal(partial.type, 'partial_payment');
		assert.throws(() => normalizePurchaseEvent('shopify', shopify.order(), { headers: {} }), (err: unknown) => err instanceof LedgerInputError && err.field === 'X-Shopify-Topic');
	});

	it('Gumroad sale ping (form-encoded) is a capture that needs confirmation; a refund ping is a refund', () => {
		const sale = normalizePurchaseEvent('gumroad', parseWebhookBody('gumroad', gumroad.sale({ token: 'tok_g' })));
		assert.deepEqual(
			{ ...pick(sale, CORE), needsConfirmation: sale.needsConfirmation },
			{
				eventId: 'sale_1:captured',
				type: 'captured',
				orderId: 'sale_1',
				productId: 'prod_gum',
				amount: 5900,
				currency: 'USD',
				email: 'ada@example.com',
				customerId: 'gumroad:buyer1',
				checkoutToken: 'tok_g',
				needsConfirmation: true,
			},
		);
		const refund = normalizePurchaseEvent('gumroad', parseWebhookBody('gumroad', gumroad.sale({ refunded: true })));
		assert.deepEqual([refund.type, refund.eventId, refund.needsConfirmation], ['refunded', 'sale_1:refunded', false]);
	});

	it('generic senders post the pack shape; an unknown type stays unknown', () => {
		const e = normalizePurchaseEvent('generic', { event_id: 'g1', type: 'captured', order_id: 'o1', product_id: 'course', amount: 5900, currency: 'eur', wl_token: 'tok' });
		assert.deepEqual([e.type, e.orderId, e.currency, e.checkoutToken], ['captured', 'o1', 'EUR', 'tok']);
		assert.equal(normalizePurchaseEvent('generic', { event_id: 'g2', type: 'grant_everything' }).type, 'unknown');
	});

	it('a body that is not JSON is refused, naming the body', () => {
		assert.throws(() => parseWebhookBody('stripe', '{not json'), (err: unknown) => err instanceof LedgerInputError && err.field === 'body');
		assert.throws(() => parseWebhookBody('stripe', '"text"'), (err: unknown) => err instanceof LedgerInputError && err.field === 'body');
	});
});
