import { requiredText } from '../checks';
import { linkIdentifier } from '../contacts/identifiers';
import { mergeContacts } from '../contacts/merge';
import { lockContacts } from '../contacts/records';
import type { MergeStep } from '../contacts/steps';
import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import { settleHeldEntries } from '../outbox/kill-switch';
import { requeueDeadEntries } from '../outbox/list';
import { processInboxEntry } from '../purchases/apply';
import type { EventDecision, PurchaseDecision } from '../purchases/decision';
import { pinAccess } from '../purchases/pins';
import { forUpdate, type SqlExecutor } from '../store';
import { closeReviewSubjects, lockOpenReviewItem, resolveReviewItem, type ReviewItem } from './review';
import { outboxSubject } from './subjects';

/**
 * What a person does about a review item. Each runs in one transaction (the caller's): the item is
 * locked and must still be open — the second of two people acting at once gets "already resolved by
 * X at T" and nothing is done twice —, the item is closed with who (`by`) and why (`reason`) in the
 * item and in the contacts' history, then the action is carried out; whatever else the action
 * settles closes through its cause (subjects.ts).
 */
export interface ActionBy {
	reviewId: string;
	/** Who acts (a name or an email); kept on the item and in history. */
	by: string;
	/** Why; kept on the item and in history. */
	reason: string;
	source?: string;
}

export interface ActionResult {
	item: ReviewItem;
	/** What the action decided about access, when it touched access (a replay, a pin). */
	decision?: PurchaseDecision | EventDecision | null;
	/** Identifiers a match linked to the chosen contact ("email:ada@example.com"). */
	linked?: string[];
	/** The contact that remains after a merge. */
	contactId?: string;
}

/** Locks the open item, checks the inputs, and closes it as `action: reason` by `by`. */
async function settleItem(tx: SqlExecutor, input: ActionBy, action: string, kinds?: readonly string[]): Promise<ReviewItem> {
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 1000);
	const item = await lockOpenReviewItem(tx, input.reviewId);
	if (kinds && !kinds.includes(item.kind)) {
		throw new LedgerInputError('reviewId', `review item ${item.id} is a ${item.kind} item (${item.reason}); "${action}" applies to ${kinds.join(' or ')} items only`);
	}
	return resolveReviewItem(tx, item.id, `${action}: ${reason}`, { by, source: input.source ?? by });
}

/** The reasons a purchase waits for a person to say who bought it. */
const UNMATCHED = ['no_contact_match', 'purchase_without_contact'];

const inboxIdOf = (item: ReviewItem): string | null => (typeof item.payload.inboxId === 'string' ? item.payload.inboxId : null);

/** An active contact of the item's launch (locked), or an error naming the field. */
async function activeContact(tx: SqlExecutor, launch: string, contactId: unknown, field: string): Promise<string> {
	const id = requiredText(contactId, field, 200);
	const row = (await lockContacts(tx, [id])).get(id);
	if (!row || row.launch !== launch) throw new LedgerInputError(field, `no contact "${id}" in launch "${launch}"; search for the buyer and pick one of the results`);
	if (row.status !== 'active') throw new LedgerInputError(field, `contact ${id} is ${row.status}${row.merged_into ? ` into ${row.merged_into}` : ''}; pick the contact it lives on in`);
	return id;
}

/**
 * Match a purchase to a contact: the email and customer id it was paid with are linked to the
 * chosen contact, then the delivery is replayed, so the grant is enqueued (once: the inbox entry is
 * locked and replayed only while its decision is still "review"). An item the sweep opened has no
 * delivery to replay: the link lets the next delivery or sweep match it.
 */
export async function matchPurchaseToContact(tx: SqlExecutor, input: ActionBy & { contactId: string }): Promise<ActionResult> {
	const item = await settleItem(tx, input, `matched to contact ${String(input.contactId)}`, ['purchase', 'purchase_match']);
	if (!UNMATCHED.includes(item.reason)) {
		throw new LedgerInputError('reviewId', `review item ${item.id} stopped for ${item.reason}, not for a missing contact; pin access, replay or dismiss it instead`);
	}
	const contactId = await activeContact(tx, item.launch, input.contactId, 'contactId');
	const by = input.by.trim();
	// The buyer's history says who matched them and why (the item named no contact until now).
	await recordEvent(tx, { launch: item.launch, contactId, type: 'review.matched', source: by, data: { reviewId: item.id, by, reason: input.reason.trim(), orderId: item.payload.orderId ?? null } });
	const linked: string[] = [];
	for (const [kind, value] of [
		['customer_id', item.payload.customerId],
		['email', item.payload.email],
	] as const) {
		if (typeof value !== 'string' || value === '') continue;
		const result = await linkIdentifier(tx, { launch: item.launch, contactId, kind, value, source: by });
		if (result.status === 'conflict') {
			const owner = result.review?.otherContactId;
			throw new LedgerInputError('contactId', `the ${kind} this purchase was paid with belongs to ${owner ? `contact ${owner}` : 'another contact'}; match the purchase to that contact, or merge the two first`);
		}
		if (result.status === 'linked') linked.push(`${kind}:${result.identifier.display ?? result.identifier.value}`);
	}
	const inboxId = inboxIdOf(item);
	const decision = inboxId ? await replayIfStillInReview(tx, inboxId, by) : null;
	return { item, decision, linked, contactId };
}

/** Replays an inbox entry that went to review; an entry a later delivery already settled is left alone. */
async function replayIfStillInReview(tx: SqlExecutor, inboxId: string, by: string): Promise<EventDecision | null> {
	const [entry] = await tx.query<{ status: string; decision: string | null }>(`SELECT status, decision FROM purchase_inbox WHERE id = $1${forUpdate(tx)}`, [inboxId]);
	if (!entry || entry.status !== 'processed' || entry.decision !== 'review') return null;
	return processInboxEntry(tx, inboxId, { replayReview: true, source: `review:${by}` });
}

/** Replay a delivery after its cause was fixed elsewhere (the product defined, the email linked by hand). */
export async function replayDelivery(tx: SqlExecutor, input: ActionBy): Promise<ActionResult> {
	const item = await settleItem(tx, input, 'replayed', ['purchase']);
	const inboxId = inboxIdOf(item);
	if (!inboxId) throw new LedgerInputError('reviewId', `review item ${item.id} names no inbox entry (it came from an event applied directly); apply the event again instead`);
	const decision = await replayIfStillInReview(tx, inboxId, input.by.trim());
	if (!decision) throw new LedgerInputError('reviewId', `inbox entry ${inboxId} is no longer waiting for review; nothing to replay`);
	return { item, decision };
}

/** Items that name two contacts that may be one person (a shared identifier, a look-alike or re-keyed address). */
const PAIR_KINDS = ['link_identifier', 'possible_duplicate'] as const;

/** Two contacts that may be one person: merge the item's contact into the other (or the other way round with `keep: 'contact'`). */
export async function mergeContactsOfItem(tx: SqlExecutor, input: ActionBy & { keep?: 'contact' | 'other' }, steps: readonly MergeStep[]): Promise<ActionResult> {
	const item = await settleItem(tx, input, 'merged', PAIR_KINDS);
	if (!item.contactId || !item.otherContactId) throw new LedgerInputError('reviewId', `review item ${item.id} names one contact only (${item.reason}); there is nothing to merge`);
	const keepContact = input.keep === 'contact';
	const sourceContactId = keepContact ? item.otherContactId : item.contactId;
	const targetContactId = keepContact ? item.contactId : item.otherContactId;
	const merged = await mergeContacts(tx, { launch: item.launch, sourceContactId, targetContactId, source: input.source ?? input.by.trim() }, steps);
	return { item, contactId: merged.contactId };
}

/** Two contacts that are different people: the item closes and both stay as they are. */
export async function keepContactsApart(tx: SqlExecutor, input: ActionBy): Promise<ActionResult> {
	return { item: await settleItem(tx, input, 'kept apart', PAIR_KINDS) };
}

/** Give or take access by hand: a pin on (contact, product) with the reason, then access follows it. */
export async function pinFromItem(tx: SqlExecutor, input: ActionBy & { pin: 'grant' | 'revoke'; contactId?: string; productId?: string }): Promise<ActionResult> {
	const item = await settleItem(tx, input, input.pin === 'grant' ? 'access given by hand' : 'access revoked by hand');
	const contactId = await activeContact(tx, item.launch, input.contactId ?? item.contactId, 'contactId');
	const productId = input.productId ?? (typeof item.payload.productId === 'string' ? item.payload.productId : null);
	if (!productId) throw new LedgerInputError('productId', `review item ${item.id} names no product; give the product ID to pin`);
	const decision = await pinAccess(tx, { launch: item.launch, contactId, productId, pin: input.pin, reason: input.reason, by: input.by });
	return { item, decision };
}

/** Nothing to do in the ledger (handled elsewhere, a test purchase …): closed with the reason. */
export async function dismissItem(tx: SqlExecutor, input: ActionBy): Promise<ActionResult> {
	return { item: await settleItem(tx, input, 'dismissed') };
}

export interface OutboxAction {
	launch: string;
	entryId: string;
	by: string;
	reason: string;
	source?: string;
}

/** The entry locked, in the status the action needs, or the error the second person to act reads. */
async function lockEntryIn(tx: SqlExecutor, input: OutboxAction, status: string, action: string): Promise<void> {
	const entryId = requiredText(input.entryId, 'entryId', 200);
	const [row] = await tx.query<{ status: string; updated_at: number }>(`SELECT status, updated_at FROM outbox WHERE launch = $1 AND id = $2${forUpdate(tx)}`, [input.launch, entryId]);
	if (!row) throw new LedgerInputError('entryId', `no outbox entry "${entryId}" in launch "${input.launch}"`);
	if (row.status !== status) {
		throw new LedgerInputError('entryId', `outbox entry ${entryId} is ${row.status} since ${new Date(Number(row.updated_at)).toISOString()}, not ${status}: it cannot be ${action}. Nothing was done; reload the list`);
	}
}

/** Release (send now, even while paused) or discard one held grant; items about the entry close. */
export async function settleHeldGrant(tx: SqlExecutor, input: OutboxAction & { action: 'release' | 'discard' }): Promise<{ entryId: string; closed: ReviewItem[] }> {
	await lockEntryIn(tx, input, 'held', input.action === 'release' ? 'released' : 'discarded');
	await settleHeldEntries(tx, { launch: input.launch, ids: [input.entryId], action: input.action, by: input.by, reason: input.reason, source: input.source ?? input.by });
	const closed = await closeReviewSubjects(tx, input.launch, [outboxSubject(input.entryId)], { resolution: `${input.action === 'release' ? 'released' : 'discarded'}: ${input.reason}`, by: input.by });
	return { entryId: input.entryId, closed };
}

/** A dead letter goes back in the queue with fresh attempts (its last error stays until it succeeds). */
export async function retryDeadLetter(tx: SqlExecutor, input: OutboxAction): Promise<{ entryId: string; closed: ReviewItem[] }> {
	requiredText(input.by, 'by', 200);
	requiredText(input.reason, 'reason', 1000);
	await lockEntryIn(tx, input, 'dead', 'retried');
	await requeueDeadEntries(tx, { launch: input.launch, ids: [input.entryId], source: input.source ?? input.by });
	const closed = await closeReviewSubjects(tx, input.launch, [outboxSubject(input.entryId)], { resolution: `retried: ${input.reason}`, by: input.by });
	return { entryId: input.entryId, closed };
}
