import type { IDataObject } from 'n8n-workflow';

import { describeDecision, LedgerInputError, type ActionResult, type Ledger } from '../../ledger';

/**
 * What the desk's buttons do: each is ONE ledger call (a `ledger.review.*` action, or
 * `contacts.unmerge` to undo a merge made here), recorded with the signed-in user and the reason
 * typed beside the button. The ledger decides whether the item is still open; the second of two
 * people pressing at once reads its "already resolved by X at T".
 */
export const DESK_ACTIONS = ['match', 'replay', 'merge', 'keepApart', 'grant', 'revoke', 'dismiss', 'release', 'discard', 'retry', 'unmerge', 'clearFlagged', 'confirmSpam'] as const;
export type DeskAction = (typeof DESK_ACTIONS)[number];

/** Actions on a review item (the others act on an outbox entry or a contact). */
const ON_ITEM: readonly DeskAction[] = ['match', 'replay', 'merge', 'keepApart', 'grant', 'revoke', 'dismiss'];
const ON_ENTRY: readonly DeskAction[] = ['release', 'discard', 'retry'];

export interface DeskActionInput {
	action: DeskAction;
	launch: string;
	by: string;
	reason: string;
	reviewId: string;
	entryId: string;
	contactId: string;
	productId: string;
	keep: 'contact' | 'other';
}

function one(value: unknown): string {
	const v = Array.isArray(value) ? value[0] : value;
	return typeof v === 'string' ? v.trim() : '';
}

/** The posted form → an action, or an error naming the field the person has to fill in. */
export function readDeskForm(body: unknown, signedInAs: string, launch: string): DeskActionInput {
	const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
	const action = one(form.action);
	if (!(DESK_ACTIONS as readonly string[]).includes(action)) throw new LedgerInputError('action', 'press one of the buttons on the page (the form named no known action)');
	const reason = one(form.reason);
	if (reason === '') throw new LedgerInputError('reason', 'say why (it is recorded with your name)');
	if (reason.length > 1000) throw new LedgerInputError('reason', 'is longer than 1,000 characters');
	const input: DeskActionInput = {
		action: action as DeskAction,
		launch,
		by: signedInAs || 'header credential',
		reason,
		reviewId: one(form.reviewId),
		entryId: one(form.entryId),
		contactId: one(form.contactId),
		productId: one(form.productId),
		keep: one(form.keep) === 'contact' ? 'contact' : 'other',
	};
	if (ON_ITEM.includes(input.action) && input.reviewId === '') throw new LedgerInputError('reviewId', 'is missing: use the buttons of an item on the page');
	if (ON_ENTRY.includes(input.action) && input.entryId === '') throw new LedgerInputError('entryId', 'is missing: use the buttons of an entry in the list');
	if (input.action === 'match' && input.contactId === '') throw new LedgerInputError('contactId', 'pick the buyer from the search results (search by email or name first)');
	if (input.action === 'unmerge' && input.contactId === '') throw new LedgerInputError('contactId', 'is missing: use the Unmerge button of a merged contact');
	if ((input.action === 'clearFlagged' || input.action === 'confirmSpam') && input.contactId === '') throw new LedgerInputError('contactId', 'is missing: use the buttons of a signup under Flagged signups');
	return input;
}

/** What happened, for the page and the workflow run. */
export interface DeskActionDone extends IDataObject {
	action: DeskAction;
	launch: string;
	by: string;
	reason: string;
	at: string;
	summary: string;
}

function itemSummary(action: DeskAction, r: ActionResult): string {
	const access = r.decision ? ` ${describeDecision(r.decision)}` : '';
	switch (action) {
		case 'match':
			return `Purchase matched to contact ${r.contactId ?? ''}.${access || ' It had no delivery to replay: the next delivery or sweep of this order finds the buyer now.'}`;
		case 'replay':
			return `Delivery replayed.${access}`;
		case 'merge':
			return `Contacts merged; contact ${r.contactId ?? ''} remains. Changed your mind? Use Unmerge on the item below.`;
		case 'keepApart':
			return 'Kept apart: both contacts stay as they are.';
		case 'grant':
		case 'revoke':
			return `Access ${action === 'grant' ? 'given' : 'taken away'} by hand (pinned).${access}`;
		default:
			return 'Dismissed.';
	}
}

/** Carries the action out with one ledger call. */
export async function runDeskAction(ledger: Ledger, input: DeskActionInput, source: string): Promise<DeskActionDone> {
	const { launch, by, reason } = input;
	const base = { action: input.action, launch, by, reason, at: new Date().toISOString() };
	const item = { reviewId: input.reviewId, by, reason, source: `${source} (${by})` };
	const entry = { launch, entryId: input.entryId, by, reason, source: `${source} (${by})` };
	let r: ActionResult;
	switch (input.action) {
		case 'match':
			r = await ledger.review.matchPurchase({ ...item, contactId: input.contactId });
			break;
		case 'replay':
			r = await ledger.review.replay(item);
			break;
		case 'merge':
			r = await ledger.review.merge({ ...item, keep: input.keep });
			break;
		case 'keepApart':
			r = await ledger.review.keepApart(item);
			break;
		case 'grant':
		case 'revoke':
			r = await ledger.review.pin({ ...item, pin: input.action, ...(input.productId ? { productId: input.productId } : {}) });
			break;
		case 'dismiss':
			r = await ledger.review.dismiss(item);
			break;
		case 'release':
		case 'discard':
		case 'retry': {
			const call = input.action === 'release' ? ledger.review.releaseHeld : input.action === 'discard' ? ledger.review.discardHeld : ledger.review.retryDead;
			const done = await call.call(ledger.review, entry);
			const what = { release: 'will be sent now', discard: 'was discarded: it is never sent', retry: 'is back in the queue with fresh attempts' }[input.action];
			return { ...base, entryId: done.entryId, closedReviewIds: done.closed.map((c) => c.id), summary: `Entry ${done.entryId} ${what}.` };
		}
		case 'clearFlagged':
		case 'confirmSpam': {
			const decide = input.action === 'clearFlagged' ? ledger.review.clearFlagged : ledger.review.confirmSpam;
			const d = await decide.call(ledger.review, { launch, contactId: input.contactId, by, reason, source: `${source} (${by})` });
			const syncs = d.entryIds.length ? ` ${d.entryIds.length} held sync${d.entryIds.length === 1 ? '' : 's'} ${d.decision === 'clear' ? 'will be sent now' : 'discarded: never sent'}.` : '';
			return { ...base, contactId: d.contactId, signals: d.signals, entryIds: d.entryIds, summary: `${d.decision === 'clear' ? 'Cleared: a real signup' : 'Confirmed as spam'} (contact ${d.contactId}).${syncs}` };
		}
		case 'unmerge': {
			const u = await ledger.contacts.unmerge({ launch, contactId: input.contactId, source: `${source} (${by}): ${reason.slice(0, 200)}` });
			const review = u.reviewIds.length ? ` ${u.reviewIds.length} new review item${u.reviewIds.length === 1 ? '' : 's'} ask what to do about access.` : '';
			return { ...base, contactId: u.contactId, restoredFrom: u.restoredFrom, reviewIds: u.reviewIds, summary: `Contact ${u.contactId} is on its own again (split from ${u.restoredFrom}).${review}` };
		}
	}
	return {
		...base,
		reviewId: r.item.id,
		resolution: r.item.resolution,
		...(r.contactId ? { contactId: r.contactId } : {}),
		...(r.linked ? { linked: r.linked } : {}),
		...(r.decision ? { decision: { decision: r.decision.decision, reason: r.decision.reason, message: describeDecision(r.decision), contactId: r.decision.contactId, productId: r.decision.productId, outboxId: r.decision.outboxId } } : {}),
		summary: itemSummary(input.action, r),
	};
}
