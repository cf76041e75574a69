import { refundWindowFor } from '../checklist/test-timings';
import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { closeReviewSubjects, openReviewItem } from '../review/review';
import { eventSubject, orderSubject } from '../review/subjects';
import type { SqlExecutor } from '../store';
import { applySystemTag, RECONCILED_TAG } from '../system-tags';
import { settleAccess } from './access';
import { markCheckoutTokenUsed } from './checkout-token';
import { decisionOf, emptyDecision, type EventDecision, type PurchaseDecision } from './decision';
import { eventNamesForgotten, FORGOTTEN_PERSON, isForgottenContact, setAsideForgotten } from './forget';
import { finishInboxEntry, getInboxEntry, validateLaunch } from './inbox';
import { linkPurchaseIdentifiers, lockMatchedContact, matchPurchase, type MatchedBy } from './match';
import { normalizePurchaseEvent, parseWebhookBody, readPurchaseEvent, type PurchaseEvent, type PurchaseEventType } from './normalize';
import { resolveProduct, type Product } from './products';
import { lockPurchase, writeHeldPurchase, writePurchaseFacts, type PurchaseRow } from './purchase-row';

/** Why an event of a type the pack does not act on changes nothing. */
const IGNORED_TYPE = 'unknown_event_type';

export interface ApplyPurchaseOptions {
	/** How long access stays after a full refund, in ms; 0 (revoke at once) by default. */
	revokeAfterMs?: number;
	/** Gumroad: the sale was confirmed through the provider's API (unconfirmed sales never grant). */
	confirmed?: boolean;
	source?: string;
	now?: number;
	/** The inbox entry the event came from, kept on a review item so a person can see the raw delivery and replay it. */
	inboxId?: string;
	/**
	 * The scheduled replay is processing a delivery whose own run was lost: the contact it decides for
	 * is tagged reconciled-after-failure in the same transaction (the record says it was healed).
	 */
	healedByReplay?: boolean;
}

/** One event being applied: where and when, and the ledger events it records (written together). */
interface Applying {
	tx: SqlExecutor;
	launch: string;
	event: PurchaseEvent;
	now: number;
	source: string;
	revokeAfterMs: number;
	inboxId: string | null;
	/** What every ledger event about this purchase event carries. */
	base: { provider: string; eventId: string; eventType: PurchaseEventType; providerType: string; orderId: string | null };
	events: NewLedgerEvent[];
}

/** Who the purchase belongs to: the contact it already names, else the one it matches (locked), with what that match linked. */
interface Placement {
	contactId: string | null;
	matchedBy: MatchedBy | null;
	linked: string[];
}

/** Anything the ledger cannot decide alone: a review item with the event's details, and the events so far. */
async function sendToReview(a: Applying, reason: string, partial: Partial<PurchaseDecision>): Promise<PurchaseDecision> {
	const { event } = a;
	const item = await openReviewItem(a.tx, {
		launch: a.launch,
		kind: 'purchase',
		reason,
		contactId: partial.contactId ?? null,
		payload: { ...a.base, inboxId: a.inboxId, productId: event.productId, amount: event.amount, currency: event.currency, email: event.email, customerId: event.customerId },
		// The purchase is the cause; an event without an order can only be settled on its own.
		subject: event.orderId ? orderSubject(event.orderId) : eventSubject(event.provider, event.eventId),
		source: a.source,
	});
	await recordEvents(a.tx, a.events);
	return { ...emptyDecision(reason), ...partial, decision: 'review', reviewId: item.id };
}

/** An event of a forgotten person: set aside for the desk, matched to no one, no access moved. */
async function setAside(a: Applying, kind: string): Promise<PurchaseDecision> {
	const reviewId = await setAsideForgotten(a.tx, { launch: a.launch, event: a.event, inboxId: a.inboxId, kind, source: a.source, now: a.now });
	return { ...emptyDecision(FORGOTTEN_PERSON), decision: 'review', reviewId };
}

/** The product: the one the purchase remembers (refunds and disputes often do not name it), else the event's. */
async function productOf(a: Applying, purchase: PurchaseRow): Promise<Product | null> {
	if (purchase.product_id) {
		return (await resolveProduct(a.tx, a.launch, a.event.provider, purchase.product_id)) ?? { productId: purchase.product_id, name: null, amount: null, currency: null };
	}
	return resolveProduct(a.tx, a.launch, a.event.provider, a.event.productId);
}

async function placePurchase(a: Applying, purchase: PurchaseRow): Promise<Placement> {
	if (purchase.contact_id) return { contactId: purchase.contact_id, matchedBy: null, linked: [] };
	const match = await matchPurchase(a.tx, a.launch, a.event);
	const matched = match ? await lockMatchedContact(a.tx, match.contactId) : null;
	if (!match || !matched) return { contactId: null, matchedBy: null, linked: [] };
	return { contactId: matched, matchedBy: match.matchedBy, linked: await linkPurchaseIdentifiers(a.tx, a.launch, matched, a.event, a.source) };
}

/**
 * What the event counts as, and why it is held: an unconfirmed sale is a claim, not a payment
 * (authorized); a capture of another price or currency than the product's is held for review.
 */
function heldAs(event: PurchaseEvent, product: Product | null, confirmed: boolean): { type: PurchaseEventType; holdReason: string | null } {
	let type = event.type;
	let holdReason: string | null = null;
	if (type === 'captured' && event.needsConfirmation && !confirmed) {
		type = 'authorized';
		holdReason = 'needs_confirmation';
	}
	if (product && type === 'captured') {
		if (product.amount !== null && event.amount !== null && event.amount !== product.amount) holdReason = 'amount_mismatch';
		else if (product.currency !== null && event.currency !== null && event.currency !== product.currency) holdReason = 'currency_mismatch';
	}
	return { type, holdReason };
}

/** A capture at the wrong price or currency: kept on the purchase, an event, and a review item; no facts, no access. */
async function holdForPrice(a: Applying, purchase: PurchaseRow, product: Product, placed: Placement, holdReason: string): Promise<PurchaseDecision> {
	const { event } = a;
	await writeHeldPurchase(a.tx, purchase, { contactId: placed.contactId, matchedBy: placed.matchedBy, productId: product.productId, amount: event.amount, currency: event.currency, now: a.now });
	a.events.push({
		launch: a.launch,
		contactId: placed.contactId,
		type: 'purchase.held',
		source: a.source,
		data: { ...a.base, productId: product.productId, reason: holdReason, amount: event.amount, currency: event.currency, expected: { amount: product.amount, currency: product.currency } },
		at: a.now,
	});
	return sendToReview(a, holdReason, { contactId: placed.contactId, productId: product.productId, purchaseId: purchase.id, matchedBy: placed.matchedBy, linked: placed.linked });
}

/** Settles access for the purchase's (contact, product) and reports the decision. */
async function settleDecision(
	a: Applying,
	c: { purchase: PurchaseRow; productId: string; contactId: string; placed: Placement; type: PurchaseEventType; holdReason: string | null },
): Promise<PurchaseDecision> {
	const { event } = a;
	const settled = await settleAccess(a.tx, {
		launch: a.launch,
		contactId: c.contactId,
		productId: c.productId,
		revokeAfterMs: a.revokeAfterMs,
		now: a.now,
		reason: c.holdReason ?? c.type,
		source: a.source,
		context: { purchaseId: c.purchase.id, provider: event.provider, orderId: event.orderId, eventId: event.eventId },
	});
	// The purchase now has its contact and product and access follows it: whatever sent it to review is settled.
	if (event.orderId) {
		const how = c.placed.matchedBy ? `matched by ${c.placed.matchedBy} to contact ${c.contactId}` : `on contact ${c.contactId}`;
		await closeReviewSubjects(a.tx, a.launch, [orderSubject(event.orderId)], { resolution: `settled by ${event.provider} event ${event.eventId}: ${how}`, by: a.source, now: a.now });
	}
	return {
		decision: decisionOf(settled.effect),
		reason: settled.access.pin && settled.effect === null ? 'pinned' : (c.holdReason ?? c.type),
		contactId: c.contactId,
		productId: c.productId,
		purchaseId: c.purchase.id,
		matchedBy: c.placed.matchedBy,
		linked: c.placed.linked,
		accessState: settled.access.state,
		revokeAfter: settled.access.revokeAfter,
		outboxId: settled.outboxId,
		reviewId: null,
		duplicate: false,
	};
}

/**
 * Applies one normalized event: match, record the purchase facts, settle access, enqueue the grant or
 * revoke — all in the caller's transaction. Anything the ledger cannot decide alone is a review item.
 */
export async function applyPurchaseEvent(tx: SqlExecutor, launchInput: string, event: PurchaseEvent, options: ApplyPurchaseOptions = {}): Promise<PurchaseDecision> {
	const a: Applying = {
		tx,
		launch: validateLaunch(launchInput),
		event,
		now: options.now ?? Date.now(),
		source: options.source ?? `webhook:${event.provider}`,
		revokeAfterMs: refundWindowFor(launchInput.trim(), Math.max(0, options.revokeAfterMs ?? 0)),
		inboxId: options.inboxId ?? null,
		base: { provider: event.provider, eventId: event.eventId, eventType: event.type, providerType: event.providerType, orderId: event.orderId },
		events: [],
	};
	if (event.type === 'unknown') {
		await recordEvents(tx, [{ launch: a.launch, contactId: null, type: 'purchase.ignored', source: a.source, data: { ...a.base, reason: IGNORED_TYPE }, at: a.now }]);
		return emptyDecision(IGNORED_TYPE);
	}
	// Before anything is matched or written: an event naming a forgotten person changes nothing …
	const forgottenKind = await eventNamesForgotten(tx, a.launch, event);
	if (forgottenKind) return setAside(a, forgottenKind);
	if (!event.orderId) return sendToReview(a, 'missing_order_id', {});
	const purchase = await lockPurchase(tx, a.launch, event, event.orderId, a.now);
	// … nor does one about a purchase of theirs that names no one (a dispute names only the payment).
	if (purchase.contact_id && (await isForgottenContact(tx, purchase.contact_id))) return setAside(a, 'purchase');
	// The buyer's checkout link hands out a new token from now on (this one has been paid with).
	await markCheckoutTokenUsed(tx, a.launch, event.checkoutToken, a.now);
	const product = await productOf(a, purchase);
	if (!product && event.productId) return sendToReview(a, 'unknown_product', { purchaseId: purchase.id });
	const placed = await placePurchase(a, purchase);
	const { contactId } = placed;
	const { type, holdReason } = heldAs(event, product, Boolean(options.confirmed));
	if (product && (holdReason === 'currency_mismatch' || holdReason === 'amount_mismatch')) return holdForPrice(a, purchase, product, placed, holdReason);

	await writePurchaseFacts(tx, purchase, { ...event, type }, { contactId, matchedBy: placed.matchedBy, productId: product?.productId ?? null, now: a.now, revokeAfterMs: a.revokeAfterMs });
	a.events.push({ launch: a.launch, contactId, type: `purchase.${type}`, source: a.source, data: { ...a.base, productId: product?.productId ?? null, amount: event.amount, currency: event.currency, fullRefund: event.fullRefund, holdReason }, at: a.now });
	if (!product) {
		// Nothing names the product yet: an event that arrived before its purchase. Kept, not decided.
		await recordEvents(tx, a.events);
		return { ...emptyDecision('awaiting_purchase'), contactId, purchaseId: purchase.id, matchedBy: placed.matchedBy, linked: placed.linked };
	}
	if (!contactId) {
		// Only what could change access needs a person now; an unmatched intent is kept on the purchase
		// and the capture that follows goes to review if it still matches nobody.
		if (type === 'authorized' || type === 'partial_payment' || type === 'subscription_cancelled') {
			await recordEvents(tx, a.events);
			return { ...emptyDecision('no_contact_match'), productId: product.productId, purchaseId: purchase.id };
		}
		return sendToReview(a, 'no_contact_match', { productId: product.productId, purchaseId: purchase.id });
	}
	await recordEvents(tx, a.events);
	return settleDecision(a, { purchase, productId: product.productId, contactId, placed, type, holdReason });
}

/**
 * Reads a purchase event in the pack's shape from untrusted JSON (a workflow item, the user's own
 * checkout) and applies it; the decision comes with the event it was about.
 */
export async function applyPurchaseEventJson(tx: SqlExecutor, launch: string, value: unknown, options: ApplyPurchaseOptions = {}): Promise<EventDecision> {
	const event = readPurchaseEvent(value);
	const decision = await applyPurchaseEvent(tx, launch, event, options);
	return { ...decision, launch: validateLaunch(launch), provider: event.provider, eventId: event.eventId, eventType: event.type };
}

/**
 * Processes one received inbox entry once: a second call (or a duplicate delivery) changes nothing.
 * `replayReview` re-applies an entry that went to review, once a person has fixed the cause (linked
 * the email or customer id to the right contact, defined the product): purchase facts only move
 * forward, so applying an event again is safe. The decision comes with the entry's launch, provider
 * and event.
 */
export async function processInboxEntry(tx: SqlExecutor, inboxId: string, options: ApplyPurchaseOptions & { replayReview?: boolean } = {}): Promise<EventDecision> {
	const entry = await getInboxEntry(tx, inboxId, { lock: true });
	if (!entry) throw new LedgerInputError('inboxId', `no inbox entry has id "${inboxId}"`);
	if (entry.status === 'rejected') throw new LedgerInputError('inboxId', `inbox entry ${inboxId} failed verification (${entry.signatureReason}) and is never processed`);
	const about = { launch: entry.launch, provider: entry.provider, eventId: entry.eventId, eventType: entry.eventType };
	if (options.replayReview) {
		if (entry.status !== 'processed' || entry.decision !== 'review') throw new LedgerInputError('inboxId', `inbox entry ${inboxId} did not go to review (${entry.status}, ${entry.decision ?? 'undecided'}); only those are replayed`);
	} else if (entry.status !== 'received') {
		// A type the pack does not act on is closed on arrival (receiveWebhook); asked again, it says so rather than "already processed".
		const reason = entry.status === 'ignored' && entry.decision === `no_change:${IGNORED_TYPE}` ? IGNORED_TYPE : 'already_processed';
		return { ...emptyDecision(reason), contactId: entry.contactId, decision: 'no_change', duplicate: true, ...about };
	}
	const event = normalizePurchaseEvent(entry.provider, parseWebhookBody(entry.provider, entry.rawBody), { headers: entry.headers });
	// A sale confirmed through the provider's API is recorded on the entry (see recordConfirmation).
	const confirmed = options.confirmed === true || entry.confirmedAt !== null;
	const decision = await applyPurchaseEvent(tx, entry.launch, event, { source: `webhook:${entry.provider}`, ...options, confirmed, inboxId });
	await finishInboxEntry(tx, inboxId, {
		status: event.type === 'unknown' ? 'ignored' : 'processed',
		contactId: decision.contactId,
		decision: decision.decision === 'no_change' ? `no_change:${decision.reason}` : decision.decision,
	});
	if (options.healedByReplay && decision.contactId && (decision.decision === 'grant' || decision.decision === 'revoke')) {
		await applySystemTag(tx, { launch: entry.launch, contactIds: [decision.contactId], tag: RECONCILED_TAG, kind: 'behaviour', source: options.source ?? 'replay' });
	}
	return { ...decision, ...about };
}
