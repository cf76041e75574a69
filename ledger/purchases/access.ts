import { randomBytes, randomUUID } from 'node:crypto';

import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { linkIdentifier } from '../contacts/identifiers';
import { findContact, getContact, lockContacts } from '../contacts/records';
import { enqueueOutboxEntry } from '../outbox/enqueue';
import type { PurchaseFact, PurchaseFactSource } from '../reconcile/types';
import { openReviewItem } from '../review/review';
import type { SqlExecutor, SqlValue } from '../store';
import { finishInboxEntry, getInboxEntry, validateLaunch, validateProvider } from './inbox';
import { CHECKOUT_TOKEN_KEY, normalizePurchaseEvent, parseWebhookBody, type PurchaseEvent } from './normalize';

/**
 * Checkout tokens, matching a payment to a contact, and the access state machine per
 * (contact, product):
 *
 *     none ──capture──▶ granted ──full refund──▶ revoke_pending ──window over──▶ revoked
 *                          │   ◀──dispute won──┐                                    ▲
 *                          └──dispute opened / lost (chargeback)────────────────────┘
 *
 * The state is derived from facts (captured, refunded, dispute) kept per purchase, so the same
 * facts give the same access whatever order or number of times the events arrive. A person's pin
 * (grant or revoke, with a reason) wins over the facts until it is removed. Grants and revokes are
 * written to the outbox in the same transaction as the transition.
 */
export type AccessState = 'none' | 'granted' | 'revoke_pending' | 'revoked';
export type AccessDecision = 'grant' | 'revoke' | 'no_change' | 'review';
export type AccessPin = 'grant' | 'revoke';
export type MatchedBy = 'token' | 'customer_id' | 'email';

export interface PurchaseDecision {
	decision: AccessDecision;
	/** Why, in a word or two: "captured", "refund_window", "pinned", "unknown_product", "no_contact_match" … */
	reason: string;
	contactId: string | null;
	productId: string | null;
	purchaseId: string | null;
	matchedBy: MatchedBy | null;
	/** Identifiers this purchase linked to the contact (an email paid with, the provider customer id). */
	linked: string[];
	accessState: AccessState | null;
	/** When a refunded purchase loses access (revoke_pending). */
	revokeAfter: number | null;
	outboxId: string | null;
	reviewId: string | null;
	/** true when the inbox entry was already handled: nothing was done again. */
	duplicate: boolean;
}

export interface ApplyPurchaseOptions {
	/** How long access stays after a full refund, in ms; 0 (revoke at once) by default. */
	revokeAfterMs?: number;
	/** Gumroad: the sale was confirmed through the provider's API (unconfirmed sales never grant). */
	confirmed?: boolean;
	source?: string;
	now?: number;
}

export interface CheckoutToken {
	token: string;
	contactId: string;
	/** What to pass to each provider so the token comes back in its webhook. */
	stripe: { client_reference_id: string; metadata: Record<string, string> };
	lemonSqueezy: { checkout_data: { custom: Record<string, string> } };
	paddle: { custom_data: Record<string, string> };
	shopify: { attributes: Record<string, string> };
	gumroad: { url_params: Record<string, string> };
}

export interface ProductInput {
	launch: string;
	productId: string;
	name?: string;
	/** Expected price in minor units; a capture of another amount goes to review. */
	amount?: number | null;
	currency?: string | null;
	/** Provider product ids that mean this product, e.g. { stripe: ["prod_1"], lemonsqueezy: ["42"] }. */
	aliases?: Partial<Record<string, string[]>>;
}

export interface Product {
	productId: string;
	name: string | null;
	amount: number | null;
	currency: string | null;
}

export interface AccessRecord {
	launch: string;
	contactId: string;
	productId: string;
	state: AccessState;
	version: number;
	revokeAfter: number | null;
	pin: AccessPin | null;
	pinReason: string | null;
	pinnedBy: string | null;
	updatedAt: number;
}

export type AccessRow = {
	launch: string;
	contact_id: string;
	product_id: string;
	state: string;
	version: number;
	revoke_after: number | null;
	pin: string | null;
	pin_reason: string | null;
	pinned_by: string | null;
	updated_at: number;
};

type PurchaseRow = {
	id: string;
	launch: string;
	provider: string;
	order_id: string;
	contact_id: string | null;
	product_id: string | null;
	captured_at: number | null;
	refunded_at: number | null;
	revoke_at: number | null;
	refunded_amount: number | null;
	dispute: string | null;
	amount: number | null;
	currency: string | null;
	email: string | null;
	customer_id: string | null;
};

const lockSuffix = (tx: SqlExecutor) => (tx.dialect === 'postgres' ? ' FOR UPDATE' : '');

export function toAccess(r: AccessRow): AccessRecord {
	return {
		launch: r.launch,
		contactId: r.contact_id,
		productId: r.product_id,
		state: r.state as AccessState,
		version: Number(r.version),
		revokeAfter: r.revoke_after === null ? null : Number(r.revoke_after),
		pin: r.pin as AccessPin | null,
		pinReason: r.pin_reason,
		pinnedBy: r.pinned_by,
		updatedAt: Number(r.updated_at),
	};
}

// ── products ────────────────────────────────────────────────────────────────────────────────────

export async function defineProduct(tx: SqlExecutor, input: ProductInput): Promise<Product> {
	const launch = validateLaunch(input.launch);
	const productId = requiredText(input.productId, 'productId', 200);
	const amount = input.amount ?? null;
	if (amount !== null && (!Number.isInteger(amount) || amount < 0)) throw new LedgerInputError('amount', 'must be a whole number of minor units (cents), e.g. 5900');
	const currency = input.currency ? input.currency.trim().toUpperCase() : null;
	if (currency !== null && !/^[A-Z]{3}$/.test(currency)) throw new LedgerInputError('currency', `must be a three-letter ISO code such as USD; got ${JSON.stringify(input.currency)}`);
	const now = Date.now();
	await tx.execute(
		`INSERT INTO purchase_products (launch, product_id, name, amount, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
		 ON CONFLICT (launch, product_id) DO UPDATE SET name = excluded.name, amount = excluded.amount, currency = excluded.currency, updated_at = excluded.updated_at`,
		[launch, productId, input.name ?? null, amount, currency, now],
	);
	for (const [provider, ids] of Object.entries(input.aliases ?? {})) {
		validateProvider(provider);
		for (const id of ids ?? []) {
			await tx.execute(
				`INSERT INTO purchase_product_aliases (launch, provider, provider_product_id, product_id) VALUES ($1, $2, $3, $4)
				 ON CONFLICT (launch, provider, provider_product_id) DO UPDATE SET product_id = excluded.product_id`,
				[launch, provider, requiredText(id, `aliases.${provider}`, 200), productId],
			);
		}
	}
	return { productId, name: input.name ?? null, amount, currency };
}

async function resolveProduct(tx: SqlExecutor, launch: string, provider: string, providerProductId: string | null): Promise<Product | null> {
	if (!providerProductId) return null;
	const [alias] = await tx.query<{ product_id: string }>(
		'SELECT product_id FROM purchase_product_aliases WHERE launch = $1 AND provider = $2 AND provider_product_id = $3',
		[launch, provider, providerProductId],
	);
	const [row] = await tx.query<{ product_id: string; name: string | null; amount: number | null; currency: string | null }>(
		'SELECT product_id, name, amount, currency FROM purchase_products WHERE launch = $1 AND product_id = $2',
		[launch, alias?.product_id ?? providerProductId],
	);
	return row ? { productId: row.product_id, name: row.name, amount: row.amount === null ? null : Number(row.amount), currency: row.currency } : null;
}

// ── checkout token ──────────────────────────────────────────────────────────────────────────────

/** An opaque token bound to the contact, stored as its purchase_token identifier. */
export async function createCheckoutToken(tx: SqlExecutor, input: { launch: string; contactId: string; source?: string }): Promise<CheckoutToken> {
	const launch = validateLaunch(input.launch);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	const token = `wlt_${randomBytes(16).toString('hex')}`;
	const link = await linkIdentifier(tx, { launch, contactId, kind: 'purchase_token', value: token, source: input.source });
	if (link.status !== 'linked') throw new LedgerInputError('contactId', `a checkout token could not be linked to contact ${contactId} (${link.review?.reason ?? link.status})`);
	const carried = { [CHECKOUT_TOKEN_KEY]: token };
	return {
		token,
		contactId,
		stripe: { client_reference_id: token, metadata: carried },
		lemonSqueezy: { checkout_data: { custom: carried } },
		paddle: { custom_data: carried },
		shopify: { attributes: carried },
		gumroad: { url_params: carried },
	};
}

// ── matching ────────────────────────────────────────────────────────────────────────────────────

async function findBy(tx: SqlExecutor, launch: string, kind: string, value: string | null): Promise<string | null> {
	if (!value) return null;
	try {
		const contact = await findContact(tx, { launch, kind, value });
		if (!contact) return null;
		// A contact merged into another is that other person now.
		return contact.status === 'merged' && contact.mergedInto ? contact.mergedInto : contact.status === 'active' ? contact.id : null;
	} catch (e) {
		if (e instanceof LedgerInputError) return null; // an unreadable email matches nobody
		throw e;
	}
}

/** token → provider customer id → email (any linked email); null when nothing matches. */
export async function matchPurchase(tx: SqlExecutor, launch: string, event: PurchaseEvent): Promise<{ contactId: string; matchedBy: MatchedBy } | null> {
	const byToken = await findBy(tx, launch, 'purchase_token', event.checkoutToken);
	if (byToken) return { contactId: byToken, matchedBy: 'token' };
	const byCustomer = await findBy(tx, launch, 'customer_id', event.customerId);
	if (byCustomer) return { contactId: byCustomer, matchedBy: 'customer_id' };
	const byEmail = await findBy(tx, launch, 'email', event.email);
	if (byEmail) return { contactId: byEmail, matchedBy: 'email' };
	return null;
}

/**
 * The matched contact, locked, followed to where a merge committed after the match read it moved
 * the person (so a new purchase never lands on a merged-away contact); null if forgotten meanwhile.
 * Only for a purchase that names no contact yet: merge cannot be waiting on that new row, so taking
 * the contact lock here cannot deadlock with it.
 */
async function lockMatchedContact(tx: SqlExecutor, contactId: string): Promise<string | null> {
	let id = contactId;
	for (let hops = 0; hops < 20; hops++) {
		const row = (await lockContacts(tx, [id])).get(id);
		if (!row) return null;
		if (row.status === 'active') return id;
		if (row.status !== 'merged' || !row.merged_into) return null;
		id = row.merged_into;
	}
	return null;
}

/** Links what the purchase tells about the person: the provider customer id and the email paid with. */
async function linkPurchaseIdentifiers(tx: SqlExecutor, launch: string, contactId: string, event: PurchaseEvent, source: string): Promise<string[]> {
	const linked: string[] = [];
	for (const [kind, value] of [
		['customer_id', event.customerId],
		['email', event.email],
	] as const) {
		if (!value) continue;
		try {
			// Within the identity limits: a link that would break one becomes a review item there.
			const result = await linkIdentifier(tx, { launch, contactId, kind, value, source });
			if (result.status === 'linked') linked.push(`${kind}:${result.identifier.display ?? result.identifier.value}`);
		} catch (e) {
			if (!(e instanceof LedgerInputError)) throw e;
		}
	}
	return linked;
}

// ── the state machine ───────────────────────────────────────────────────────────────────────────

/** What the facts (and a pin) say access should be. */
export type AccessTarget = { kind: 'grant' } | { kind: 'revoke_now' } | { kind: 'revoke_at'; at: number } | { kind: 'none' };

interface PurchaseFacts {
	captured: boolean;
	refundedAt: number | null;
	/** When the refund takes access away, fixed at the refund; absent: refundedAt + the window given. */
	revokeAt?: number | null;
	dispute: 'open' | 'won' | 'lost' | null;
}

/** Pure: the target from every purchase of one (contact, product) and the pin. */
export function accessTarget(purchases: readonly PurchaseFacts[], pin: AccessPin | null, revokeAfterMs: number): AccessTarget {
	if (pin === 'grant') return { kind: 'grant' };
	if (pin === 'revoke') return { kind: 'revoke_now' };
	const disputed = (p: PurchaseFacts) => p.dispute === 'open' || p.dispute === 'lost';
	if (purchases.some((p) => p.captured && p.refundedAt === null && !disputed(p))) return { kind: 'grant' };
	// A chargeback takes the money back at once; so does access.
	if (purchases.some((p) => p.captured && disputed(p))) return { kind: 'revoke_now' };
	const refunds = purchases.filter((p) => p.captured && p.refundedAt !== null).map((p) => p.revokeAt ?? (p.refundedAt as number) + Math.max(0, revokeAfterMs));
	if (refunds.length) return { kind: 'revoke_at', at: Math.min(...refunds) };
	return { kind: 'none' };
}

/** Pure: the next state and the vendor effect (at most one) of moving towards a target. */
export function nextAccessState(
	state: AccessState,
	revokeAfter: number | null,
	target: AccessTarget,
	now: number,
): { state: AccessState; revokeAfter: number | null; effect: 'grant' | 'revoke' | null } {
	const hasAccess = state === 'granted' || state === 'revoke_pending';
	const revokeNow = () => (hasAccess ? { state: 'revoked' as const, revokeAfter: null, effect: 'revoke' as const } : { state, revokeAfter, effect: null });
	switch (target.kind) {
		case 'grant':
			// revoke_pending → granted needs no vendor call: the vendor never lost access.
			return state === 'granted' ? { state, revokeAfter, effect: null } : { state: 'granted', revokeAfter: null, effect: state === 'revoke_pending' ? null : 'grant' };
		case 'revoke_now':
			return revokeNow();
		case 'revoke_at':
			if (target.at <= now) return revokeNow();
			if (state === 'granted') return { state: 'revoke_pending', revokeAfter: target.at, effect: null };
			if (state === 'revoke_pending') return { state, revokeAfter: Math.min(revokeAfter ?? target.at, target.at), effect: null };
			return { state, revokeAfter, effect: null };
		case 'none':
			return revokeNow();
	}
}

export async function lockAccess(tx: SqlExecutor, launch: string, contactId: string, productId: string, now: number): Promise<AccessRecord> {
	await tx.execute(
		`INSERT INTO access (launch, contact_id, product_id, state, version, updated_at) VALUES ($1, $2, $3, 'none', 0, $4)
		 ON CONFLICT (launch, contact_id, product_id) DO NOTHING`,
		[launch, contactId, productId, now],
	);
	const [row] = await tx.query<AccessRow>(`SELECT * FROM access WHERE launch = $1 AND contact_id = $2 AND product_id = $3${lockSuffix(tx)}`, [launch, contactId, productId]);
	return toAccess(row!);
}

async function purchaseFactsOf(tx: SqlExecutor, launch: string, contactId: string, productId: string): Promise<PurchaseFacts[]> {
	const rows = await tx.query<{ captured_at: number | null; refunded_at: number | null; revoke_at: number | null; dispute: string | null }>(
		'SELECT captured_at, refunded_at, revoke_at, dispute FROM purchases WHERE launch = $1 AND contact_id = $2 AND product_id = $3',
		[launch, contactId, productId],
	);
	return rows.map((r) => ({ captured: r.captured_at !== null, refundedAt: r.refunded_at === null ? null : Number(r.refunded_at), revokeAt: r.revoke_at === null ? null : Number(r.revoke_at), dispute: r.dispute as PurchaseFacts['dispute'] }));
}

/** The email of the latest grant of this product sent for the contact (merge moves the person's entries with it), or null. */
async function grantedEmail(tx: SqlExecutor, launch: string, contactId: string, productId: string): Promise<string | null> {
	const grants = await tx.query<{ payload: string }>(`SELECT payload FROM outbox WHERE launch = $1 AND contact_id = $2 AND kind = 'grant' ORDER BY seq DESC`, [launch, contactId]);
	for (const g of grants) {
		const payload = JSON.parse(g.payload) as { productId?: unknown; email?: unknown };
		if (payload.productId === productId && typeof payload.email === 'string') return payload.email;
	}
	return null;
}

export interface SettleResult {
	access: AccessRecord;
	effect: 'grant' | 'revoke' | null;
	outboxId: string | null;
}

/**
 * Moves one (contact, product) to what its facts and pin say, inside the caller's transaction: the
 * transition is an event, and its grant / revoke is an outbox entry whose idempotency key names the
 * transition (contact, product, version), so the same transition can never be enqueued twice.
 */
export async function settleAccess(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; productId: string; revokeAfterMs: number; now: number; reason: string; source: string; context?: Record<string, unknown> },
): Promise<SettleResult> {
	const { launch, contactId, productId, now } = input;
	const current = await lockAccess(tx, launch, contactId, productId, now);
	const target = accessTarget(await purchaseFactsOf(tx, launch, contactId, productId), current.pin, input.revokeAfterMs);
	const next = nextAccessState(current.state, current.revokeAfter, target, now);
	if (next.state === current.state && next.revokeAfter === current.revokeAfter) return { access: current, effect: null, outboxId: null };
	const version = current.version + 1;
	await tx.execute('UPDATE access SET state = $1, revoke_after = $2, version = $3, updated_at = $4 WHERE launch = $5 AND contact_id = $6 AND product_id = $7', [
		next.state,
		next.revokeAfter,
		version,
		now,
		launch,
		contactId,
		productId,
	]);
	let outboxId: string | null = null;
	if (next.effect) {
		const contact = await getContact(tx, contactId);
		// A revoke goes to the address the grant went to: after a merge that can be the merged-away
		// contact's email, not the surviving contact's.
		const email = (next.effect === 'revoke' ? await grantedEmail(tx, launch, contactId, productId) : null) ?? contact?.email ?? null;
		const entry = await enqueueOutboxEntry(tx, {
			launch,
			kind: next.effect,
			idempotencyKey: `access:${contactId}:${productId}:${version}:${next.effect}`,
			contactId,
			payload: { productId, email, reason: input.reason, ...input.context },
			source: input.source,
		});
		outboxId = entry.id;
	}
	await recordEvents(tx, [
		{
			launch,
			contactId,
			type: `access.${next.state}`,
			source: input.source,
			data: { productId, from: current.state, to: next.state, reason: input.reason, revokeAfter: next.revokeAfter, effect: next.effect, outboxId, ...input.context },
			at: now,
		},
	]);
	return { access: { ...current, state: next.state, revokeAfter: next.revokeAfter, version, updatedAt: now }, effect: next.effect, outboxId };
}

// ── applying one purchase event ─────────────────────────────────────────────────────────────────

function decisionOf(effect: 'grant' | 'revoke' | null): AccessDecision {
	return effect ?? 'no_change';
}

const emptyDecision = (reason: string): PurchaseDecision => ({
	decision: 'no_change',
	reason,
	contactId: null,
	productId: null,
	purchaseId: null,
	matchedBy: null,
	linked: [],
	accessState: null,
	revokeAfter: null,
	outboxId: null,
	reviewId: null,
	duplicate: false,
});

/** Upserts the purchase row and locks it (row lock on PostgreSQL; SQLite serializes writers). */
async function lockPurchase(tx: SqlExecutor, launch: string, event: PurchaseEvent, orderId: string, now: number): Promise<PurchaseRow> {
	await tx.execute(
		`INSERT INTO purchases (id, launch, provider, order_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
		 ON CONFLICT (launch, provider, order_id) DO NOTHING`,
		[randomUUID(), launch, event.provider, orderId, now],
	);
	const [row] = await tx.query<PurchaseRow>(`SELECT * FROM purchases WHERE launch = $1 AND provider = $2 AND order_id = $3${lockSuffix(tx)}`, [launch, event.provider, orderId]);
	return row!;
}

/** The purchase facts after this event. Facts only ever move forward, so order does not matter. */
function factsAfter(row: PurchaseRow, event: PurchaseEvent, now: number, revokeAfterMs: number): Partial<Record<'captured_at' | 'refunded_at' | 'revoke_at' | 'refunded_amount' | 'dispute', SqlValue>> {
	const at = event.occurredAt ?? now;
	switch (event.type) {
		case 'captured':
			return row.captured_at === null ? { captured_at: at } : {};
		case 'refunded': {
			const amount = Math.max(Number(row.refunded_amount ?? 0), event.amount ?? 0);
			// Partial refunds that add up to the whole price are a full refund.
			const full = event.fullRefund === true || (row.amount !== null && Number(row.amount) > 0 && amount >= Number(row.amount));
			return { refunded_amount: amount, ...(full && row.refunded_at === null ? { refunded_at: now, revoke_at: now + revokeAfterMs } : {}) };
		}
		case 'dispute_opened':
			// A dispute already closed stays closed (the "opened" event can arrive late).
			return row.dispute === null ? { dispute: 'open' } : {};
		case 'dispute_won':
			return row.dispute === 'lost' ? {} : { dispute: 'won' };
		case 'dispute_lost':
			return { dispute: 'lost' };
		default:
			return {};
	}
}

/**
 * Applies one normalized event: match, record the purchase facts, settle access, enqueue the grant or
 * revoke — all in the caller's transaction. Anything the ledger cannot decide alone is a review item.
 */
export async function applyPurchaseEvent(tx: SqlExecutor, launchInput: string, event: PurchaseEvent, options: ApplyPurchaseOptions = {}): Promise<PurchaseDecision> {
	const launch = validateLaunch(launchInput);
	const now = options.now ?? Date.now();
	const source = options.source ?? `webhook:${event.provider}`;
	const revokeAfterMs = Math.max(0, options.revokeAfterMs ?? 0);
	const base = { provider: event.provider, eventId: event.eventId, eventType: event.type, providerType: event.providerType, orderId: event.orderId };
	const events: NewLedgerEvent[] = [];
	const review = async (reason: string, partial: Partial<PurchaseDecision>): Promise<PurchaseDecision> => {
		const item = await openReviewItem(tx, {
			launch,
			kind: 'purchase',
			reason,
			contactId: partial.contactId ?? null,
			payload: { ...base, productId: event.productId, amount: event.amount, currency: event.currency, email: event.email, customerId: event.customerId },
			source,
		});
		await recordEvents(tx, events);
		return { ...emptyDecision(reason), ...partial, decision: 'review', reviewId: item.id };
	};

	if (event.type === 'unknown') {
		await recordEvents(tx, [{ launch, contactId: null, type: 'purchase.ignored', source, data: { ...base, reason: 'unknown_event_type' }, at: now }]);
		return emptyDecision('unknown_event_type');
	}
	if (!event.orderId) return review('missing_order_id', {});

	const purchase = await lockPurchase(tx, launch, event, event.orderId, now);
	// Refunds and disputes often do not name the product; the purchase remembers it.
	const product = purchase.product_id
		? ((await resolveProduct(tx, launch, event.provider, purchase.product_id)) ?? { productId: purchase.product_id, name: null, amount: null, currency: null })
		: await resolveProduct(tx, launch, event.provider, event.productId);
	if (!product && event.productId) return review('unknown_product', { purchaseId: purchase.id });

	let contactId = purchase.contact_id;
	let matchedBy: MatchedBy | null = null;
	let linked: string[] = [];
	if (!contactId) {
		const match = await matchPurchase(tx, launch, event);
		const matched = match ? await lockMatchedContact(tx, match.contactId) : null;
		if (match && matched) {
			contactId = matched;
			matchedBy = match.matchedBy;
			linked = await linkPurchaseIdentifiers(tx, launch, contactId, event, source);
		}
	}

	let type = event.type;
	let holdReason: string | null = null;
	if (type === 'captured' && event.needsConfirmation && !options.confirmed) {
		// An unconfirmed sale is a claim, not a payment.
		type = 'authorized';
		holdReason = 'needs_confirmation';
	}
	if (product && type === 'captured') {
		if (product.amount !== null && event.amount !== null && event.amount !== product.amount) holdReason = 'amount_mismatch';
		else if (product.currency !== null && event.currency !== null && event.currency !== product.currency) holdReason = 'currency_mismatch';
	}
	if (product && (holdReason === 'currency_mismatch' || holdReason === 'amount_mismatch')) {
		await tx.execute('UPDATE purchases SET contact_id = COALESCE(contact_id, $1), product_id = COALESCE(product_id, $2), amount = $3, currency = $4, updated_at = $5 WHERE id = $6', [
			contactId,
			product.productId,
			event.amount,
			event.currency,
			now,
			purchase.id,
		]);
		events.push({ launch, contactId, type: 'purchase.held', source, data: { ...base, productId: product.productId, reason: holdReason, amount: event.amount, currency: event.currency, expected: { amount: product.amount, currency: product.currency } }, at: now });
		return review(holdReason, { contactId, productId: product.productId, purchaseId: purchase.id, matchedBy, linked });
	}

	// Facts are written even when the purchase cannot be placed yet (a dispute before its capture):
	// the capture that arrives later settles access with them.
	const changes = factsAfter(purchase, { ...event, type }, now, revokeAfterMs);
	const sets: string[] = ['contact_id = COALESCE(contact_id, $1)', 'product_id = COALESCE(product_id, $2)', 'email = COALESCE(email, $3)', 'customer_id = COALESCE(customer_id, $4)', 'updated_at = $5'];
	const params: SqlValue[] = [contactId, product?.productId ?? null, event.email, event.customerId, now];
	if (type === 'captured' || type === 'authorized' || type === 'partial_payment') {
		params.push(event.amount, event.currency);
		sets.push(`amount = COALESCE($${params.length - 1}, amount)`, `currency = COALESCE($${params.length}, currency)`);
	}
	for (const [column, value] of Object.entries(changes)) {
		params.push(value);
		sets.push(`${column} = $${params.length}`);
	}
	params.push(purchase.id);
	await tx.execute(`UPDATE purchases SET ${sets.join(', ')} WHERE id = $${params.length}`, params);
	events.push({ launch, contactId, type: `purchase.${type}`, source, data: { ...base, productId: product?.productId ?? null, amount: event.amount, currency: event.currency, fullRefund: event.fullRefund, holdReason }, at: now });

	if (!product) {
		// Nothing names the product yet: an event that arrived before its purchase. Kept, not decided.
		await recordEvents(tx, events);
		return { ...emptyDecision('awaiting_purchase'), contactId, purchaseId: purchase.id, matchedBy, linked };
	}
	if (!contactId) {
		// Only what could change access needs a person now; an unmatched intent is kept on the purchase
		// and the capture that follows goes to review if it still matches nobody.
		if (type === 'authorized' || type === 'partial_payment' || type === 'subscription_cancelled') {
			await recordEvents(tx, events);
			return { ...emptyDecision('no_contact_match'), productId: product.productId, purchaseId: purchase.id };
		}
		return review('no_contact_match', { productId: product.productId, purchaseId: purchase.id });
	}
	await recordEvents(tx, events);
	const settled = await settleAccess(tx, {
		launch,
		contactId,
		productId: product.productId,
		revokeAfterMs,
		now,
		reason: holdReason ?? type,
		source,
		context: { purchaseId: purchase.id, provider: event.provider, orderId: event.orderId, eventId: event.eventId },
	});
	return {
		decision: decisionOf(settled.effect),
		reason: settled.access.pin && settled.effect === null ? 'pinned' : (holdReason ?? type),
		contactId,
		productId: product.productId,
		purchaseId: purchase.id,
		matchedBy,
		linked,
		accessState: settled.access.state,
		revokeAfter: settled.access.revokeAfter,
		outboxId: settled.outboxId,
		reviewId: null,
		duplicate: false,
	};
}

/**
 * Processes one received inbox entry once: a second call (or a duplicate delivery) changes nothing.
 * `replayReview` re-applies an entry that went to review, once a person has fixed the cause (linked
 * the email or customer id to the right contact, defined the product): purchase facts only move
 * forward, so applying an event again is safe.
 */
export async function processInboxEntry(tx: SqlExecutor, inboxId: string, options: ApplyPurchaseOptions & { replayReview?: boolean } = {}): Promise<PurchaseDecision> {
	const entry = await getInboxEntry(tx, inboxId, { lock: true });
	if (!entry) throw new LedgerInputError('inboxId', `no inbox entry has id "${inboxId}"`);
	if (entry.status === 'rejected') throw new LedgerInputError('inboxId', `inbox entry ${inboxId} failed verification (${entry.signatureReason}) and is never processed`);
	if (options.replayReview) {
		if (entry.status !== 'processed' || entry.decision !== 'review') throw new LedgerInputError('inboxId', `inbox entry ${inboxId} did not go to review (${entry.status}, ${entry.decision ?? 'undecided'}); only those are replayed`);
	} else if (entry.status !== 'received') return { ...emptyDecision('already_processed'), contactId: entry.contactId, decision: 'no_change', duplicate: true };
	const event = normalizePurchaseEvent(entry.provider, parseWebhookBody(entry.provider, entry.rawBody), { headers: entry.headers });
	// A sale confirmed through the provider's API is recorded on the entry (see recordConfirmation).
	const confirmed = options.confirmed === true || entry.confirmedAt !== null;
	const decision = await applyPurchaseEvent(tx, entry.launch, event, { source: `webhook:${entry.provider}`, ...options, confirmed });
	await finishInboxEntry(tx, inboxId, {
		status: event.type === 'unknown' ? 'ignored' : 'processed',
		contactId: decision.contactId,
		decision: decision.decision === 'no_change' ? `no_change:${decision.reason}` : decision.decision,
	});
	return decision;
}

// ── pins and the revoke sweep ───────────────────────────────────────────────────────────────────

export interface PinInput {
	launch: string;
	contactId: string;
	productId: string;
	pin: AccessPin;
	/** Why a person overrides the payment facts; required, and kept in history. */
	reason: string;
	by: string;
	revokeAfterMs?: number;
}

export async function pinAccess(tx: SqlExecutor, input: PinInput): Promise<PurchaseDecision> {
	const launch = validateLaunch(input.launch);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	const productId = requiredText(input.productId, 'productId', 200);
	if (input.pin !== 'grant' && input.pin !== 'revoke') throw new LedgerInputError('pin', 'must be "grant" or "revoke"');
	const reason = requiredText(input.reason, 'reason', 1000);
	const by = requiredText(input.by, 'by', 200);
	const contact = await getContact(tx, contactId);
	if (!contact || contact.launch !== launch) throw new LedgerInputError('contactId', `no contact "${contactId}" in launch "${launch}"`);
	const now = Date.now();
	const before = await lockAccess(tx, launch, contactId, productId, now);
	await tx.execute('UPDATE access SET pin = $1, pin_reason = $2, pinned_by = $3, updated_at = $4 WHERE launch = $5 AND contact_id = $6 AND product_id = $7', [
		input.pin,
		reason,
		by,
		now,
		launch,
		contactId,
		productId,
	]);
	await recordEvents(tx, [{ launch, contactId, type: 'access.pinned', source: by, data: { productId, pin: input.pin, reason, previousPin: before.pin }, at: now }]);
	return settleAndDecide(tx, { launch, contactId, productId, revokeAfterMs: input.revokeAfterMs ?? 0, now, reason: `pin:${input.pin}`, source: by });
}

export async function unpinAccess(tx: SqlExecutor, input: { launch: string; contactId: string; productId: string; by: string; reason?: string; revokeAfterMs?: number }): Promise<PurchaseDecision> {
	const launch = validateLaunch(input.launch);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	const productId = requiredText(input.productId, 'productId', 200);
	const by = requiredText(input.by, 'by', 200);
	const now = Date.now();
	const before = await lockAccess(tx, launch, contactId, productId, now);
	if (before.pin === null) return { ...emptyDecision('not_pinned'), contactId, productId, accessState: before.state, revokeAfter: before.revokeAfter };
	await tx.execute('UPDATE access SET pin = NULL, pin_reason = NULL, pinned_by = NULL, updated_at = $1 WHERE launch = $2 AND contact_id = $3 AND product_id = $4', [
		now,
		launch,
		contactId,
		productId,
	]);
	await recordEvents(tx, [{ launch, contactId, type: 'access.unpinned', source: by, data: { productId, pin: before.pin, reason: input.reason ?? null }, at: now }]);
	return settleAndDecide(tx, { launch, contactId, productId, revokeAfterMs: input.revokeAfterMs ?? 0, now, reason: 'unpinned', source: by });
}

async function settleAndDecide(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; productId: string; revokeAfterMs: number; now: number; reason: string; source: string },
): Promise<PurchaseDecision> {
	const settled = await settleAccess(tx, input);
	return {
		...emptyDecision(input.reason),
		decision: decisionOf(settled.effect),
		contactId: input.contactId,
		productId: input.productId,
		accessState: settled.access.state,
		revokeAfter: settled.access.revokeAfter,
		outboxId: settled.outboxId,
	};
}

/** Revokes every refunded access whose window is over. Called by the sweep; safe to run concurrently. */
export async function dueRevocations(tx: SqlExecutor, input: { launch: string; now?: number; limit?: number }): Promise<PurchaseDecision[]> {
	const launch = validateLaunch(input.launch);
	const now = input.now ?? Date.now();
	const limit = Math.max(1, Math.min(input.limit ?? 500, 5000));
	const skipLocked = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
	const due = await tx.query<{ contact_id: string; product_id: string }>(
		`SELECT contact_id, product_id FROM access WHERE launch = $1 AND state = 'revoke_pending' AND revoke_after <= $2 ORDER BY revoke_after LIMIT $3${skipLocked}`,
		[launch, now, limit],
	);
	const decisions: PurchaseDecision[] = [];
	// The window is already in revoke_after; 0 keeps accessTarget from moving it.
	for (const row of due) decisions.push(await settleAndDecide(tx, { launch, contactId: row.contact_id, productId: row.product_id, revokeAfterMs: 0, now, reason: 'refund_window_over', source: 'sweep' }));
	return decisions;
}

export async function getAccess(tx: SqlExecutor, input: { launch: string; contactId: string; productId: string }): Promise<AccessRecord | null> {
	const [row] = await tx.query<AccessRow>('SELECT * FROM access WHERE launch = $1 AND contact_id = $2 AND product_id = $3', [input.launch, input.contactId, input.productId]);
	return row ? toAccess(row) : null;
}

// ── the reconcile sweep's view ──────────────────────────────────────────────────────────────────

type FactRow = PurchaseRow & { access_state: string | null; access_pin: string | null };

/**
 * The sweep acts on "paid" (grant if missing) and "refunded" / "dispute_lost" (revoke if present).
 * Anything the state machine is still deciding — a pin, an open dispute, a running refund window —
 * gets a state of its own, so the sweep leaves it alone.
 */
function factState(r: FactRow): PurchaseFact['state'] {
	if (r.access_pin) return `pinned_${r.access_pin}`;
	if (r.dispute === 'lost') return 'dispute_lost';
	if (r.dispute === 'open') return 'disputed';
	if (r.refunded_at !== null) return r.access_state === 'revoke_pending' ? 'refund_window' : 'refunded';
	if (r.captured_at !== null) return 'paid';
	return 'pending';
}

const toFact = (r: FactRow): PurchaseFact => ({
	orderId: r.order_id,
	contactId: r.contact_id,
	productId: r.product_id ?? '',
	state: factState(r),
	accessGranted: r.access_state === 'granted' || r.access_state === 'revoke_pending',
});

const FACT_SELECT = `SELECT p.*, a.state AS access_state, a.pin AS access_pin FROM purchases p
	 LEFT JOIN access a ON a.launch = p.launch AND a.contact_id = p.contact_id AND a.product_id = p.product_id`;

/** Implements reconcile's PurchaseFactSource over the purchases and access tables. */
export const purchaseFactSource: PurchaseFactSource = {
	async forOrders(tx: SqlExecutor, launch: string, orderIds: readonly string[]): Promise<PurchaseFact[]> {
		if (orderIds.length === 0) return [];
		const placeholders = orderIds.map((_, i) => `$${i + 2}`).join(', ');
		const rows = await tx.query<FactRow>(`${FACT_SELECT} WHERE p.launch = $1 AND p.order_id IN (${placeholders})`, [launch, ...orderIds]);
		return rows.map(toFact);
	},
	async forAccess(tx: SqlExecutor, launch: string, pairs: readonly { contactId: string; productId: string }[]): Promise<PurchaseFact[]> {
		const facts: PurchaseFact[] = [];
		for (const pair of pairs) {
			const [r] = await tx.query<FactRow>(`${FACT_SELECT} WHERE p.launch = $1 AND p.contact_id = $2 AND p.product_id = $3 ORDER BY p.updated_at DESC LIMIT 1`, [
				launch,
				pair.contactId,
				pair.productId,
			]);
			if (r) facts.push(toFact(r));
		}
		return facts;
	},
};
