import { LedgerInputError } from '../errors';
import { headerValue, PAYMENT_PROVIDERS, type HeaderBag, type PaymentProvider } from './verify';

/**
 * Provider payloads → the pack's purchase events. Only `captured` can ever grant access; everything
 * a provider says before money is settled is `authorized`. An event type the pack does not know is
 * `unknown`: recorded, never acted on.
 */
export type PurchaseEventType =
	| 'captured'
	| 'authorized'
	| 'partial_payment'
	| 'refunded'
	| 'dispute_opened'
	| 'dispute_won'
	| 'dispute_lost'
	| 'subscription_cancelled'
	| 'unknown';

export const PURCHASE_EVENT_TYPES: readonly PurchaseEventType[] = [
	'captured',
	'authorized',
	'partial_payment',
	'refunded',
	'dispute_opened',
	'dispute_won',
	'dispute_lost',
	'subscription_cancelled',
	'unknown',
];

/** The key our checkout token travels under in provider metadata / custom data. */
export const CHECKOUT_TOKEN_KEY = 'wl_token';

export interface PurchaseEvent {
	provider: PaymentProvider;
	/** The provider's event id (the inbox dedupes on it). */
	eventId: string;
	type: PurchaseEventType;
	/** The provider's own name for the event, e.g. "checkout.session.completed". */
	providerType: string;
	/** One purchase across its events (payment intent, order, transaction, sale id). */
	orderId: string | null;
	productId: string | null;
	/** In minor units (cents). For refunds: the amount refunded so far. */
	amount: number | null;
	/** ISO 4217, upper case. */
	currency: string | null;
	email: string | null;
	/** The provider's customer id, namespaced by provider ("stripe:cus_123"). */
	customerId: string | null;
	/** Our checkout token, when the provider echoed it back. */
	checkoutToken: string | null;
	/** Refunds: whether the whole order was refunded. */
	fullRefund?: boolean;
	/** Gumroad: the sale must be confirmed through the provider's API before any grant. */
	needsConfirmation?: boolean;
	occurredAt: number | null;
}

export interface NormalizeContext {
	/** Request headers (Lemon Squeezy's event name, Shopify's topic and webhook id). */
	headers?: HeaderBag;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
// PostgreSQL text cannot hold NUL: a provider's value carrying one (escaped as \u0000 in its JSON) is
// read with U+FFFD in its place, on both drivers alike; the inbox keeps the body as it came.
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().replace(/\0/g, '\uFFFD') : typeof v === 'number' ? String(v) : null);
const int = (v: unknown): number | null => {
	const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
	return typeof n === 'number' && Number.isFinite(n) ? Math.round(n) : null;
};
const upper = (v: unknown): string | null => text(v)?.toUpperCase() ?? null;
const namespaced = (provider: string, id: string | null): string | null => (id ? `${provider}:${id}` : null);
const epochMs = (v: unknown): number | null => {
	if (typeof v === 'number') return v > 1e11 ? v : v * 1000;
	const t = text(v);
	if (!t) return null;
	const parsed = Date.parse(t);
	return Number.isNaN(parsed) ? null : parsed;
};

// Currencies without minor units: a decimal price is already the whole amount.
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** "59.00" in USD → 5900. */
function decimalToMinor(v: unknown, currency: string | null): number | null {
	const t = text(v);
	if (!t || !/^-?\d+(\.\d+)?$/.test(t)) return null;
	const factor = currency && ZERO_DECIMAL.has(currency) ? 1 : 100;
	return Math.round(Number(t) * factor);
}

function tokenFrom(...sources: unknown[]): string | null {
	for (const source of sources) {
		if (typeof source === 'string') {
			const t = text(source);
			if (t) return t;
			continue;
		}
		const o = obj(source);
		const t = text(o[CHECKOUT_TOKEN_KEY]) ?? text(o.checkout_token);
		if (t) return t;
	}
	return null;
}

function base(provider: PaymentProvider, eventId: string, providerType: string): PurchaseEvent {
	return {
		provider,
		eventId,
		type: 'unknown',
		providerType,
		orderId: null,
		productId: null,
		amount: null,
		currency: null,
		email: null,
		customerId: null,
		checkoutToken: null,
		occurredAt: null,
	};
}

function required(value: string | null, field: string, what: string): string {
	if (!value) throw new LedgerInputError(field, `is missing: ${what}`);
	return value;
}

// ── Stripe ──────────────────────────────────────────────────────────────────────────────────────

function stripe(payload: Obj): PurchaseEvent {
	const type = required(text(payload.type), 'type', 'a Stripe event has a "type"');
	const event = base('stripe', required(text(payload.id), 'id', 'a Stripe event has an "id" (evt_…)'), type);
	event.occurredAt = epochMs(payload.created);
	const o = obj(obj(payload.data).object);
	const metadata = obj(o.metadata);
	event.currency = upper(o.currency);
	event.customerId = namespaced('stripe', text(o.customer));
	event.productId = text(metadata.product_id) ?? text(metadata.productId);
	switch (type) {
		case 'checkout.session.completed':
		case 'checkout.session.async_payment_succeeded': {
			// Paid now, or (async methods) paid later: only payment_status "paid" is money settled.
			const paid = type === 'checkout.session.async_payment_succeeded' || o.payment_status === 'paid';
			event.type = paid ? 'captured' : 'authorized';
			event.orderId = text(o.payment_intent) ?? text(o.id);
			event.amount = int(o.amount_total);
			event.email = text(obj(o.customer_details).email) ?? text(o.customer_email);
			event.checkoutToken = tokenFrom(o.client_reference_id, metadata);
			break;
		}
		case 'payment_intent.created':
		case 'payment_intent.requires_action':
		case 'payment_intent.amount_capturable_updated':
		case 'checkout.session.async_payment_failed':
			event.type = type === 'checkout.session.async_payment_failed' ? 'unknown' : 'authorized';
			event.orderId = text(o.object) === 'payment_intent' ? text(o.id) : text(o.payment_intent);
			event.amount = int(o.amount);
			event.checkoutToken = tokenFrom(metadata);
			break;
		case 'charge.refunded': {
			event.type = 'refunded';
			event.orderId = text(o.payment_intent) ?? text(o.id);
			event.amount = int(o.amount_refunded);
			event.fullRefund = o.refunded === true || (int(o.amount_refunded) ?? 0) >= (int(o.amount) ?? Infinity);
			event.email = text(obj(o.billing_details).email) ?? text(o.receipt_email);
			event.checkoutToken = tokenFrom(metadata);
			break;
		}
		case 'charge.dispute.created':
		case 'charge.dispute.closed': {
			const status = text(o.status);
			event.type =
				type === 'charge.dispute.created' ? 'dispute_opened' : status === 'won' || status === 'warning_closed' ? 'dispute_won' : status === 'lost' ? 'dispute_lost' : 'unknown';
			event.orderId = text(o.payment_intent) ?? text(o.charge);
			event.amount = int(o.amount);
			break;
		}
		case 'customer.subscription.deleted':
			event.type = 'subscription_cancelled';
			event.orderId = text(o.id);
			break;
		default:
			break;
	}
	return event;
}

// ── Lemon Squeezy ───────────────────────────────────────────────────────────────────────────────

function lemonSqueezy(payload: Obj, context: NormalizeContext): PurchaseEvent {
	const meta = obj(payload.meta);
	const data = obj(payload.data);
	const a = obj(data.attributes);
	const name = required(text(meta.event_name) ?? (context.headers ? (headerValue(context.headers, 'X-Event-Name') ?? null) : null), 'meta.event_name', 'Lemon Squeezy sends the event name in meta.event_name');
	const dataId = required(text(data.id), 'data.id', 'a Lemon Squeezy webhook carries the object id in data.id');
	// Lemon Squeezy sends no event id: the event name, object and its last change identify a delivery.
	const event = base('lemonsqueezy', `${name}:${dataId}:${text(a.updated_at) ?? text(a.created_at) ?? ''}`, name);
	event.occurredAt = epochMs(a.updated_at ?? a.created_at);
	event.checkoutToken = tokenFrom(meta.custom_data);
	event.email = text(a.user_email);
	event.customerId = namespaced('lemonsqueezy', text(a.customer_id));
	event.currency = upper(a.currency);
	const item = obj(a.first_order_item);
	event.productId = text(item.product_id) ?? text(a.product_id);
	const status = text(a.status);
	if (name === 'order_created' || name === 'order_refunded') {
		event.orderId = dataId;
		event.amount = name === 'order_refunded' ? int(a.refunded_amount) : int(a.total);
		if (name === 'order_refunded') {
			event.type = 'refunded';
			event.fullRefund = status === 'refunded';
		} else event.type = status === 'paid' ? 'captured' : status === 'pending' ? 'authorized' : 'unknown';
	} else if (name === 'subscription_cancelled' || name === 'subscription_expired') {
		event.type = 'subscription_cancelled';
		event.orderId = text(a.order_id) ?? dataId;
	}
	return event;
}

// ── Paddle Billing ──────────────────────────────────────────────────────────────────────────────

function paddle(payload: Obj): PurchaseEvent {
	const type = required(text(payload.event_type), 'event_type', 'a Paddle Billing notification has "event_type"');
	const event = base('paddle', required(text(payload.event_id), 'event_id', 'a Paddle Billing notification has "event_id" (evt_…)'), type);
	event.occurredAt = epochMs(payload.occurred_at);
	const d = obj(payload.data);
	event.customerId = namespaced('paddle', text(d.customer_id));
	event.checkoutToken = tokenFrom(d.custom_data);
	if (type.startsWith('transaction.')) {
		event.orderId = text(d.id);
		event.currency = upper(d.currency_code);
		const items = Array.isArray(d.items) ? d.items : [];
		const price = obj(obj(items[0]).price);
		event.productId = text(price.product_id);
		event.amount = int(obj(obj(d.details).totals).total);
		event.type = type === 'transaction.completed' || type === 'transaction.paid' ? 'captured' : ['transaction.created', 'transaction.ready', 'transaction.billed'].includes(type) ? 'authorized' : 'unknown';
	} else if (type === 'adjustment.created' || type === 'adjustment.updated') {
		event.orderId = text(d.transaction_id);
		const totals = obj(d.totals);
		event.currency = upper(totals.currency_code ?? d.currency_code);
		event.amount = int(totals.total);
		const action = text(d.action);
		const approved = text(d.status) === 'approved';
		// Paddle chargebacks are final (Paddle answers the dispute itself); a reversal gives the money back.
		if (action === 'refund' && approved) {
			event.type = 'refunded';
			event.fullRefund = text(d.type) === 'full';
		} else if (action === 'chargeback') event.type = 'dispute_lost';
		else if (action === 'chargeback_reverse') event.type = 'dispute_won';
		else if (action === 'chargeback_warning') event.type = 'dispute_opened';
	} else if (type === 'subscription.canceled') {
		event.type = 'subscription_cancelled';
		event.orderId = text(d.id);
	}
	return event;
}

// ── Shopify ─────────────────────────────────────────────────────────────────────────────────────

function shopify(payload: Obj, context: NormalizeContext): PurchaseEvent {
	const headers = context.headers ?? {};
	const topic = required(headerValue(headers, 'X-Shopify-Topic') ?? null, 'X-Shopify-Topic', 'Shopify sends the topic in the X-Shopify-Topic header');
	const webhookId = required(headerValue(headers, 'X-Shopify-Webhook-Id') ?? null, 'X-Shopify-Webhook-Id', 'Shopify sends a delivery id in X-Shopify-Webhook-Id');
	const event = base('shopify', webhookId, topic);
	event.occurredAt = epochMs(payload.updated_at ?? payload.created_at);
	const customer = obj(payload.customer);
	event.customerId = namespaced('shopify', text(customer.id));
	event.email = text(payload.email) ?? text(payload.contact_email) ?? text(customer.email);
	event.currency = upper(payload.currency);
	const items = Array.isArray(payload.line_items) ? payload.line_items : [];
	event.productId = text(obj(items[0]).product_id);
	const attributes = Array.isArray(payload.note_attributes) ? payload.note_attributes : [];
	const tokenAttribute = attributes.map(obj).find((a) => a.name === CHECKOUT_TOKEN_KEY);
	event.checkoutToken = text(tokenAttribute?.value);
	event.orderId = text(payload.id);
	event.amount = decimalToMinor(payload.total_price, event.currency);
	const financial = text(payload.financial_status);
	if (topic === 'orders/paid') event.type = financial === 'partially_paid' ? 'partial_payment' : 'captured';
	else if (topic === 'orders/create') event.type = financial === 'paid' ? 'captured' : financial === 'partially_paid' ? 'partial_payment' : 'authorized';
	else if (topic === 'orders/updated' && (financial === 'refunded' || financial === 'partially_refunded')) {
		event.type = 'refunded';
		event.fullRefund = financial === 'refunded';
	} else if (topic === 'refunds/create') {
		event.type = 'refunded';
		event.orderId = text(payload.order_id);
		const transactions = (Array.isArray(payload.transactions) ? payload.transactions : []).map(obj);
		event.amount = transactions.reduce((sum, t) => sum + (decimalToMinor(t.amount, event.currency) ?? 0), 0);
		event.fullRefund = false;
	}
	return event;
}

// ── Gumroad ─────────────────────────────────────────────────────────────────────────────────────

function gumroad(payload: Obj): PurchaseEvent {
	const saleId = required(text(payload.sale_id), 'sale_id', 'a Gumroad ping carries "sale_id"');
	const flag = (k: string) => payload[k] === true || payload[k] === 'true';
	const resource = text(payload.resource_name) ?? 'sale';
	const type: PurchaseEventType = flag('dispute_won') ? 'dispute_won' : flag('disputed') ? 'dispute_opened' : flag('refunded') ? 'refunded' : resource === 'cancellation' ? 'subscription_cancelled' : resource === 'sale' ? 'captured' : 'unknown';
	// One sale pings once per state change; the sale id plus the state identifies a delivery.
	const event = base('gumroad', `${saleId}:${type}`, resource);
	event.type = type;
	event.orderId = saleId;
	event.productId = text(payload.product_id) ?? text(payload.product_permalink);
	event.email = text(payload.email);
	event.currency = upper(payload.currency);
	event.amount = int(payload.price);
	event.customerId = namespaced('gumroad', text(payload.purchaser_id));
	event.occurredAt = epochMs(payload.sale_timestamp);
	event.checkoutToken = tokenFrom(payload[`url_params[${CHECKOUT_TOKEN_KEY}]`], obj(payload.url_params), payload);
	if (type === 'refunded') event.fullRefund = true;
	// Unsigned: a ping proves nothing until the sale is confirmed through Gumroad's API.
	event.needsConfirmation = type === 'captured';
	return event;
}

// ── generic: a sender that posts the pack's own shape ───────────────────────────────────────────

function generic(payload: Obj): PurchaseEvent {
	const eventId = required(text(payload.event_id) ?? text(payload.id), 'event_id', 'a generic purchase event has "event_id"');
	const providerType = text(payload.type) ?? 'unknown';
	const event = base('generic', eventId, providerType);
	event.type = (PURCHASE_EVENT_TYPES as readonly string[]).includes(providerType) ? (providerType as PurchaseEventType) : 'unknown';
	event.orderId = text(payload.order_id);
	event.productId = text(payload.product_id);
	event.amount = int(payload.amount);
	event.currency = upper(payload.currency);
	event.email = text(payload.email);
	event.customerId = namespaced('generic', text(payload.customer_id));
	event.checkoutToken = tokenFrom(payload);
	event.occurredAt = epochMs(payload.occurred_at);
	if (event.type === 'refunded') event.fullRefund = payload.full_refund !== false;
	return event;
}

/** Parses a raw body as the provider sends it: JSON, or form-encoded for Gumroad. */
export function parseWebhookBody(provider: PaymentProvider, rawBody: string | Buffer): Obj {
	const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
	if (provider === 'gumroad' && !body.trimStart().startsWith('{')) return Object.fromEntries(new URLSearchParams(body));
	let parsed: unknown;
	try {
		parsed = JSON.parse(body);
	} catch {
		throw new LedgerInputError('body', 'is not JSON');
	}
	if (!isObj(parsed)) throw new LedgerInputError('body', 'must be a JSON object');
	return parsed;
}

/** One provider payload → one purchase event. Throws LedgerInputError naming the missing field. */
export function normalizePurchaseEvent(provider: PaymentProvider, payload: unknown, context: NormalizeContext = {}): PurchaseEvent {
	if (!isObj(payload)) throw new LedgerInputError('body', 'must be a JSON object');
	switch (provider) {
		case 'stripe':
			return stripe(payload);
		case 'lemonsqueezy':
			return lemonSqueezy(payload, context);
		case 'paddle':
			return paddle(payload);
		case 'shopify':
			return shopify(payload, context);
		case 'gumroad':
			return gumroad(payload);
		case 'generic':
			return generic(payload);
	}
}

// ── the pack's own shape, as JSON from a workflow item or the user's own checkout ──────────────

const eventText = (o: Obj, key: string): string | null => {
	const v = o[key];
	if (v === undefined || v === null || v === '') return null;
	if (typeof v === 'number') return String(v);
	if (typeof v !== 'string') throw new LedgerInputError(`event.${key}`, `must be text; got ${JSON.stringify(v)}`);
	return v.trim() || null;
};
const eventWholeNumber = (o: Obj, key: string): number | null => {
	const v = o[key];
	if (v === undefined || v === null || v === '') return null;
	const n = typeof v === 'string' ? Number(v) : v;
	if (typeof n !== 'number' || !Number.isInteger(n)) throw new LedgerInputError(`event.${key}`, `must be a whole number of minor units (cents), e.g. 5900; got ${JSON.stringify(v)}`);
	return n;
};

/**
 * Reads a purchase event already in the pack's shape (what the Purchase Webhook Trigger emits) from
 * untrusted JSON, naming the field that is missing or wrong as `event.<field>`.
 */
export function readPurchaseEvent(value: unknown): PurchaseEvent {
	if (!isObj(value)) throw new LedgerInputError('event', 'must be an object such as {"provider": "stripe", "eventId": "evt_1", "type": "captured", …}');
	const provider = eventText(value, 'provider');
	if (!provider || !(PAYMENT_PROVIDERS as readonly string[]).includes(provider)) {
		throw new LedgerInputError('event.provider', `must be one of ${PAYMENT_PROVIDERS.join(', ')}; got ${JSON.stringify(value.provider)}`);
	}
	const eventId = eventText(value, 'eventId');
	if (!eventId) throw new LedgerInputError('event.eventId', 'is required: the provider\'s event ID, e.g. "evt_1"');
	const type = eventText(value, 'type');
	if (!type || !(PURCHASE_EVENT_TYPES as readonly string[]).includes(type)) {
		throw new LedgerInputError('event.type', `must be one of ${PURCHASE_EVENT_TYPES.join(', ')}; got ${JSON.stringify(value.type)}`);
	}
	const currency = eventText(value, 'currency');
	return {
		provider: provider as PaymentProvider,
		eventId,
		type: type as PurchaseEventType,
		providerType: eventText(value, 'providerType') ?? type,
		orderId: eventText(value, 'orderId'),
		productId: eventText(value, 'productId'),
		amount: eventWholeNumber(value, 'amount'),
		currency: currency ? currency.toUpperCase() : null,
		email: eventText(value, 'email'),
		customerId: eventText(value, 'customerId'),
		checkoutToken: eventText(value, 'checkoutToken'),
		...(typeof value.fullRefund === 'boolean' ? { fullRefund: value.fullRefund } : {}),
		...(typeof value.needsConfirmation === 'boolean' ? { needsConfirmation: value.needsConfirmation } : {}),
		occurredAt: eventWholeNumber(value, 'occurredAt'),
	};
}
