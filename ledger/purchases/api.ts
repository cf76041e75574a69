import { servedLaunches } from '../checklist/routing';
import { replayAfterFor } from '../checklist/test-timings';
import type { Store } from '../store';
import { getAccess, type AccessRecord } from './access';
import { applyPurchaseEvent, applyPurchaseEventJson, processInboxEntry, type ApplyPurchaseOptions } from './apply';
import { issueCheckoutToken, type CheckoutToken, type CheckoutTokenInput } from './checkout-token';
import type { EventDecision, PurchaseDecision } from './decision';
import { deferInboxReplay, getInboxEntry, listInbox, recordConfirmation, type InboxEntry, type InboxFilter, type SaleConfirmation } from './inbox';
import type { PurchaseEvent } from './normalize';
import { dueRevocations, pinAccess, unpinAccess, type PinInput } from './pins';
import { defineProduct, type Product, type ProductInput } from './products';
import { confirmSale, receiveWebhook, type DeliveryNextStep, type ReceiveWebhookInput, type ReceiveWebhookResult } from './receive';

/** Purchases: webhook inbox, checkout tokens, matching and access. One transaction per call. */
export class PurchasesApi {
	constructor(private readonly store: Store) {}

	/**
	 * Verify, read and store one webhook delivery, and say what comes next (`next`): an answer, a sale
	 * to confirm with the provider first (then `confirmSale`), or an answer and a run.
	 */
	receive(input: ReceiveWebhookInput): Promise<ReceiveWebhookResult> {
		return this.store.transaction((tx) => receiveWebhook(tx, input));
	}

	/** Records the provider's word on a sale `receive` asked to confirm; the next step is an answer or a run. */
	confirmSale(inboxId: string, outcome: SaleConfirmation): Promise<Exclude<DeliveryNextStep, { step: 'confirm' }>> {
		return this.store.transaction((tx) => confirmSale(tx, inboxId, outcome));
	}

	/** Records whether an unsigned delivery's sale was confirmed through the provider's API (Gumroad); `confirmSale` does this and decides the next step. */
	recordConfirmation(inboxId: string, outcome: SaleConfirmation): Promise<InboxEntry> {
		return this.store.transaction((tx) => recordConfirmation(tx, inboxId, outcome));
	}

	/** Match and decide for one received inbox entry; a second call for it changes nothing. With the entry's launch, provider and event. */
	process(inboxId: string, options?: ApplyPurchaseOptions): Promise<EventDecision> {
		return this.store.transaction((tx) => processInboxEntry(tx, inboxId, options));
	}

	/** Re-apply an entry that went to review, after a person fixed the cause (linked the contact, defined the product). */
	replay(inboxId: string, options?: ApplyPurchaseOptions): Promise<EventDecision> {
		return this.store.transaction((tx) => processInboxEntry(tx, inboxId, { ...options, replayReview: true }));
	}

	/** Apply an already-normalized event (no inbox), e.g. from a sweep or a test. */
	apply(launch: string, event: PurchaseEvent, options?: ApplyPurchaseOptions): Promise<PurchaseDecision> {
		return this.store.transaction((tx) => applyPurchaseEvent(tx, launch, event, options));
	}

	/**
	 * Apply a purchase event given as JSON in the pack's shape (a workflow item, the user's own
	 * checkout): checked first, naming the wrong field as `event.<field>`; with the event it was about.
	 */
	applyEvent(launch: string, value: unknown, options?: ApplyPurchaseOptions): Promise<EventDecision> {
		return this.store.transaction((tx) => applyPurchaseEventJson(tx, launch, value, options));
	}

	/**
	 * The checkout token for a contact (by id, or by email — added if `createContact`) and product:
	 * the open one again (not yet paid with, under 24 h old), else a new one; at most
	 * CHECKOUT_TOKENS_PER_WINDOW new ones per contact and hour (LedgerInputError on `checkoutLimit`).
	 */
	checkoutToken(input: CheckoutTokenInput): Promise<CheckoutToken> {
		return this.store.transaction((tx) => issueCheckoutToken(tx, input));
	}

	/** checkoutToken for a known contact (kept for existing callers). */
	createCheckoutToken(input: { launch: string; contactId: string; productId?: string; source?: string; now?: number }): Promise<CheckoutToken> {
		return this.checkoutToken(input);
	}

	defineProduct(input: ProductInput): Promise<Product> {
		return this.store.transaction((tx) => defineProduct(tx, input));
	}

	pin(input: PinInput): Promise<PurchaseDecision> {
		return this.store.transaction((tx) => pinAccess(tx, input));
	}

	unpin(input: { launch: string; contactId: string; productId: string; by: string; reason?: string; revokeAfterMs?: number }): Promise<PurchaseDecision> {
		return this.store.transaction((tx) => unpinAccess(tx, input));
	}

	/** Revokes refunded access whose window is over (call from a schedule). */
	dueRevocations(input: { launch: string; now?: number; limit?: number }): Promise<PurchaseDecision[]> {
		return this.store.transaction((tx) => dueRevocations(tx, input));
	}

	access(input: { launch: string; contactId: string; productId: string }): Promise<AccessRecord | null> {
		return getAccess(this.store, input);
	}

	inboxEntry(id: string): Promise<InboxEntry | null> {
		return getInboxEntry(this.store, id);
	}

	inbox(launch: string, filter?: InboxFilter): Promise<InboxEntry[]> {
		return listInbox(this.store, launch, filter);
	}

	/**
	 * Verified deliveries still waiting to be processed after `olderThanMs` (10 minutes by default):
	 * their run failed or was stopped before Purchase Match processed them. Oldest first. Deliveries
	 * whose sale confirmation is still pending are left to the provider's repeat (see recordConfirmation),
	 * and those whose last replay failed wait until their next replay is due (replayPauseMs).
	 */
	unprocessed(input: { launch: string; olderThanMs?: number; now?: number; limit?: number }): Promise<InboxEntry[]> {
		const now = input.now ?? Date.now();
		return listInbox(this.store, input.launch, {
			status: 'received',
			receivedBefore: now - Math.max(0, input.olderThanMs ?? 10 * 60_000),
			confirmationPending: false,
			dueForReplayAt: now,
			limit: input.limit,
		});
	}

	/**
	 * Processes the `unprocessed` deliveries, each exactly as `process` does (its own transaction,
	 * the entry locked and its status re-read): a delivery that another replay or a late original run
	 * processed first comes back as a duplicate that did nothing. One failing entry does not stop the
	 * others; it is returned with its error and stays received, its next replay due after a pause that
	 * grows with each failure (10 minutes, doubling, at most 6 hours) — never given up.
	 */
	async replayUnprocessed(input: { launch: string; olderThanMs?: number; now?: number; limit?: number } & ApplyPurchaseOptions): Promise<ReplayOutcome[]> {
		const { launch, olderThanMs, now, limit, ...options } = input;
		const outcomes: ReplayOutcome[] = [];
		const at = now ?? Date.now();
		// The schedule of a launch also heals its open checklist runs' test launches (their own, shorter wait).
		const launches = await this.store.transaction((tx) => servedLaunches(tx, launch));
		const unprocessed: InboxEntry[] = [];
		for (const served of launches) unprocessed.push(...(await this.unprocessed({ launch: served, olderThanMs: replayAfterFor(served, olderThanMs), now: at, limit })));
		for (const entry of unprocessed) {
			try {
				outcomes.push({ entry, decision: await this.process(entry.id, { ...options, healedByReplay: true }) });
			} catch (caught) {
				const error = caught instanceof Error ? caught : new Error(String(caught));
				const deferred = await this.store.transaction((tx) => deferInboxReplay(tx, entry.id, at));
				outcomes.push({ entry: deferred ?? entry, error });
			}
		}
		return outcomes;
	}
}

/** One replayed delivery: the decision `process` made for it, or why it could not be processed. */
export type ReplayOutcome = { entry: InboxEntry; decision: PurchaseDecision; error?: undefined } | { entry: InboxEntry; decision?: undefined; error: Error };
