import type { AbuseDecisionInput } from '../abuse/api';
import { listFlaggedSignups, type FlaggedSignup } from '../abuse/list';
import { decideFlaggedContact, type AbuseDecisionResult } from '../abuse/review';
import type { MergeStep } from '../contacts/steps';
import type { Store } from '../store';
import {
	dismissItem,
	keepContactsApart,
	matchPurchaseToContact,
	mergeContactsOfItem,
	pinFromItem,
	replayDelivery,
	retryDeadLetter,
	settleHeldGrant,
	type ActionBy,
	type ActionResult,
	type OutboxAction,
} from './actions';
import type { Page } from './cursor';
import { getDeskItem, listDesk, type DeskContact, type DeskFilter, type DeskItem } from './list';
import { listDeadLetters, listRefusedDeliveries, listRefusedSignups, type DeadLetter, type RefusedDelivery, type RefusedSignup } from './lists';
import { getReviewItem, listReviewItems, resolveReviewItem, type ReviewItem } from './review';
import { searchContacts } from './search';

type Paging = { cursor?: string; limit?: number };

/**
 * The review desk: what the ledger would not decide alone, and what a person does about it. Every
 * action is one transaction that locks the item, records who and why, and closes every item it
 * settles; two people acting on one item at once settle it once (the second reads "already resolved
 * by X at T"). The lists beside it (refused signups, refused deliveries, dead letters) are read-only.
 */
export class ReviewApi {
	constructor(
		private readonly store: Store,
		private readonly mergeSteps: readonly MergeStep[] = [],
	) {}

	/** Oldest first, unpaged (kept for existing callers); the desk reads `page`. */
	list(launch: string, filter?: { status?: 'open' | 'resolved'; contactId?: string; limit?: number }): Promise<ReviewItem[]> {
		return listReviewItems(this.store, launch, filter);
	}

	/** Open items first, newest first, with the context a person needs (who, what was paid, which rule, the inbox entry); paged by `next`. */
	page(launch: string, filter?: DeskFilter): Promise<Page<DeskItem>> {
		return listDesk(this.store, launch, filter);
	}

	get(id: string): Promise<ReviewItem | null> {
		return getReviewItem(this.store, id);
	}

	/** One item with its context. */
	detail(id: string): Promise<DeskItem | null> {
		return getDeskItem(this.store, id);
	}

	/** "Match to whom?": active contacts whose email or name starts with `query` (at most `limit`, 10 by default). */
	searchContacts(launch: string, query: string, limit?: number): Promise<DeskContact[]> {
		return searchContacts(this.store, launch, query, limit);
	}

	resolve(id: string, resolution: string, options: { source?: string; by?: string } = {}): Promise<ReviewItem> {
		return this.store.transaction((tx) => resolveReviewItem(tx, id, resolution, options));
	}

	/** A purchase nobody matched: link what it was paid with to this contact, and replay its delivery (the grant is enqueued once). */
	matchPurchase(input: ActionBy & { contactId: string }): Promise<ActionResult> {
		return this.store.transaction((tx) => matchPurchaseToContact(tx, input));
	}

	/** Replay the item's delivery after its cause was fixed (a product defined, an email linked). */
	replay(input: ActionBy): Promise<ActionResult> {
		return this.store.transaction((tx) => replayDelivery(tx, input));
	}

	/** Two contacts are one person: merge the item's contact into the other (`keep: 'contact'` keeps the item's contact instead). Unmerge stays `contacts.unmerge`. */
	merge(input: ActionBy & { keep?: 'contact' | 'other' }): Promise<ActionResult> {
		return this.store.transaction((tx) => mergeContactsOfItem(tx, input, this.mergeSteps));
	}

	/** Two contacts are different people: nothing changes but the item. */
	keepApart(input: ActionBy): Promise<ActionResult> {
		return this.store.transaction((tx) => keepContactsApart(tx, input));
	}

	/** Give (`grant`) or take (`revoke`) access by hand: a pin with the reason, on the item's contact and product unless named. */
	pin(input: ActionBy & { pin: 'grant' | 'revoke'; contactId?: string; productId?: string }): Promise<ActionResult> {
		return this.store.transaction((tx) => pinFromItem(tx, input));
	}

	dismiss(input: ActionBy): Promise<ActionResult> {
		return this.store.transaction((tx) => dismissItem(tx, input));
	}

	/** Send one held grant now (even while the launch is paused). */
	releaseHeld(input: OutboxAction): Promise<{ entryId: string; closed: ReviewItem[] }> {
		return this.store.transaction((tx) => settleHeldGrant(tx, { ...input, action: 'release' }));
	}

	/** Throw one held grant away. */
	discardHeld(input: OutboxAction): Promise<{ entryId: string; closed: ReviewItem[] }> {
		return this.store.transaction((tx) => settleHeldGrant(tx, { ...input, action: 'discard' }));
	}

	/** Put one dead letter back in the queue with fresh attempts. */
	retryDead(input: OutboxAction): Promise<{ entryId: string; closed: ReviewItem[] }> {
		return this.store.transaction((tx) => retryDeadLetter(tx, input));
	}

	refusedSignups(launch: string, paging?: Paging): Promise<Page<RefusedSignup>> {
		return listRefusedSignups(this.store, launch, paging);
	}

	/** Deliveries that failed verification (a wrong signing secret shows up here first). */
	refusedDeliveries(launch: string, paging?: Paging): Promise<Page<RefusedDelivery>> {
		return listRefusedDeliveries(this.store, launch, paging);
	}

	deadLetters(launch: string, paging?: Paging): Promise<Page<DeadLetter>> {
		return listDeadLetters(this.store, launch, paging);
	}

	/** Signups with an abuse flag no person has decided yet (abuse/list.ts). */
	flaggedSignups(launch: string, paging?: Paging): Promise<Page<FlaggedSignup>> {
		return listFlaggedSignups(this.store, launch, paging);
	}

	/** A flagged signup is a real person: its flags cleared, its held syncs released. */
	clearFlagged(input: AbuseDecisionInput): Promise<AbuseDecisionResult> {
		return this.store.transaction((tx) => decideFlaggedContact(tx, { ...input, decision: 'clear' }));
	}

	/** A flagged signup is spam: its flags confirmed, its held syncs discarded. */
	confirmSpam(input: AbuseDecisionInput): Promise<AbuseDecisionResult> {
		return this.store.transaction((tx) => decideFlaggedContact(tx, { ...input, decision: 'spam' }));
	}
}
