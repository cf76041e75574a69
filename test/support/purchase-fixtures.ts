/**
 * Payment webhook bodies in each provider's documented shape (trimmed to the fields the pack reads,
 * plus a few it ignores so the shape stays recognizable).
 */
type Options = { token?: string | null; email?: string; customer?: string; product?: string; amount?: number; currency?: string; order?: string };

export const stripe = {
	checkoutCompleted: (id: string, o: Options & { paymentStatus?: 'paid' | 'unpaid' } = {}) => ({
		id,
		object: 'event',
		api_version: '2024-06-20',
		created: 1_800_000_000,
		type: 'checkout.session.completed',
		livemode: false,
		data: {
			object: {
				id: 'cs_test_a1',
				object: 'checkout.session',
				amount_total: o.amount ?? 5900,
				currency: o.currency ?? 'usd',
				client_reference_id: o.token ?? null,
				customer: o.customer ?? 'cus_Q1',
				customer_details: { email: o.email ?? 'ada@example.com', name: 'Ada' },
				customer_email: null,
				metadata: { product_id: o.product ?? 'course', ...(o.token ? { wl_token: o.token } : {}) },
				mode: 'payment',
				payment_intent: o.order ?? 'pi_1',
				payment_status: o.paymentStatus ?? 'paid',
				status: 'complete',
			},
		},
	}),
	asyncSucceeded: (id: string, o: Options = {}) => ({
		...stripe.checkoutCompleted(id, { ...o, paymentStatus: 'paid' }),
		type: 'checkout.session.async_payment_succeeded',
	}),
	paymentIntentCreated: (id: string, o: Options = {}) => ({
		id,
		object: 'event',
		created: 1_800_000_000,
		type: 'payment_intent.created',
		data: { object: { id: o.order ?? 'pi_1', object: 'payment_intent', amount: o.amount ?? 5900, currency: 'usd', customer: o.customer ?? 'cus_Q1', metadata: { product_id: o.product ?? 'course' }, status: 'requires_payment_method' } },
	}),
	chargeRefunded: (id: string, o: Options & { refunded?: number } = {}) => ({
		id,
		object: 'event',
		created: 1_800_000_100,
		type: 'charge.refunded',
		data: {
			object: {
				id: 'ch_1',
				object: 'charge',
				amount: o.amount ?? 5900,
				amount_refunded: o.refunded ?? o.amount ?? 5900,
				refunded: (o.refunded ?? o.amount ?? 5900) >= (o.amount ?? 5900),
				currency: 'usd',
				customer: o.customer ?? 'cus_Q1',
				billing_details: { email: o.email ?? 'ada@example.com' },
				metadata: { product_id: o.product ?? 'course' },
				payment_intent: o.order ?? 'pi_1',
			},
		},
	}),
	dispute: (id: string, type: 'charge.dispute.created' | 'charge.dispute.closed', status: string, o: Options = {}) => ({
		id,
		object: 'event',
		created: 1_800_000_200,
		type,
		data: { object: { id: 'dp_1', object: 'dispute', amount: o.amount ?? 5900, charge: 'ch_1', currency: 'usd', payment_intent: o.order ?? 'pi_1', reason: 'fraudulent', status, metadata: {} } },
	}),
};

export const lemonSqueezy = {
	order: (name: 'order_created' | 'order_refunded', o: Options & { status?: string; refunded?: number } = {}) => ({
		meta: { event_name: name, custom_data: o.token ? { wl_token: o.token } : {} },
		data: {
			type: 'orders',
			id: o.order ?? '1',
			attributes: {
				store_id: 1,
				customer_id: Number(o.customer ?? 7),
				identifier: '104e18a2-d755-4d4b-80c4-a6c1dcbe1c10',
				order_number: 1,
				user_name: 'Ada',
				user_email: o.email ?? 'ada@example.com',
				currency: o.currency ?? 'USD',
				status: o.status ?? (name === 'order_refunded' ? 'refunded' : 'paid'),
				subtotal: o.amount ?? 5900,
				total: o.amount ?? 5900,
				refunded: name === 'order_refunded',
				refunded_amount: name === 'order_refunded' ? (o.refunded ?? o.amount ?? 5900) : 0,
				first_order_item: { id: 1, order_id: 1, product_id: Number(o.product ?? 42), variant_id: 1, product_name: 'Course', price: o.amount ?? 5900 },
				created_at: '2026-11-27T09:00:00.000000Z',
				updated_at: name === 'order_refunded' ? '2026-11-28T09:00:00.000000Z' : '2026-11-27T09:00:00.000000Z',
			},
		},
	}),
};

export const paddle = {
	transactionCompleted: (id: string, o: Options = {}) => ({
		event_id: id,
		event_type: 'transaction.completed',
		occurred_at: '2026-11-27T09:00:00.000000Z',
		notification_id: 'ntf_1',
		data: {
			id: o.order ?? 'txn_1',
			status: 'completed',
			customer_id: o.customer ?? 'ctm_1',
			currency_code: o.currency ?? 'USD',
			custom_data: o.token ? { wl_token: o.token } : null,
			items: [{ price: { id: 'pri_1', product_id: o.product ?? 'pro_1' }, quantity: 1 }],
			details: { totals: { subtotal: String(o.amount ?? 5900), tax: '0', total: String(o.amount ?? 5900), currency_code: o.currency ?? 'USD' } },
		},
	}),
	adjustment: (id: string, action: 'refund' | 'chargeback' | 'chargeback_reverse', o: Options & { full?: boolean } = {}) => ({
		event_id: id,
		event_type: 'adjustment.created',
		occurred_at: '2026-11-28T09:00:00.000000Z',
		data: { id: 'adj_1', action, type: o.full === false ? 'partial' : 'full', status: 'approved', transaction_id: o.order ?? 'txn_1', customer_id: o.customer ?? 'ctm_1', currency_code: 'USD', totals: { total: String(o.amount ?? 5900), currency_code: 'USD' } },
	}),
};

export const shopify = {
	order: (o: Options & { financialStatus?: string } = {}) => ({
		id: Number(o.order ?? 820982911946154500),
		email: o.email ?? 'ada@example.com',
		contact_email: o.email ?? 'ada@example.com',
		created_at: '2026-11-27T09:00:00-05:00',
		updated_at: '2026-11-27T09:00:00-05:00',
		currency: o.currency ?? 'USD',
		total_price: ((o.amount ?? 5900) / 100).toFixed(2),
		financial_status: o.financialStatus ?? 'paid',
		customer: { id: Number(o.customer ?? 115310627314723950), email: o.email ?? 'ada@example.com' },
		line_items: [{ id: 1, product_id: Number(o.product ?? 632910392), variant_id: 1, title: 'Course', quantity: 1, price: ((o.amount ?? 5900) / 100).toFixed(2) }],
		note_attributes: o.token ? [{ name: 'wl_token', value: o.token }] : [],
	}),
	headers: (topic: string, webhookId: string) => ({ 'X-Shopify-Topic': topic, 'X-Shopify-Webhook-Id': webhookId, 'X-Shopify-Shop-Domain': 'shop.myshopify.com' }),
};

export const gumroad = {
	/** Gumroad pings are form-encoded. */
	sale: (o: Options & { refunded?: boolean; disputed?: boolean } = {}) =>
		new URLSearchParams({
			seller_id: 'seller1',
			product_id: o.product ?? 'prod_gum',
			product_name: 'Course',
			permalink: 'course',
			product_permalink: 'https://creator.gumroad.com/l/course',
			email: o.email ?? 'ada@example.com',
			price: String(o.amount ?? 5900),
			currency: o.currency ?? 'usd',
			quantity: '1',
			sale_id: o.order ?? 'sale_1',
			sale_timestamp: '2026-11-27T09:00:00Z',
			purchaser_id: o.customer ?? 'buyer1',
			refunded: String(o.refunded ?? false),
			disputed: String(o.disputed ?? false),
			dispute_won: 'false',
			test: 'false',
			...(o.token ? { 'url_params[wl_token]': o.token } : {}),
		}).toString(),
};
