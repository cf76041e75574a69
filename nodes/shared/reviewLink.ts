import type { IDataObject, IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../ledger';

/*
 * The link from a Review output item to the review desk, and the message a person reads in the alert
 * channel. One place builds both, so Purchase Match, Reconcile Sweep and Waitlist Contact link the
 * same way (the Review Desk Page Trigger answers GET <desk>?item=<reviewId> with that item).
 */

/** The Review Desk Page Trigger's default path: the desk is <this n8n>/webhook/waitlist-review unless set otherwise. */
export const DEFAULT_REVIEW_DESK_PATH = 'waitlist-review';

/** The ledger field the option's errors name, and the label the user sees. */
export const REVIEW_DESK_LABELS = { reviewDeskUrl: 'Review Desk URL' } as const;

/** The option itself, for an operation that already has an Options collection. */
export const reviewDeskUrlOption: INodeProperties = {
	displayName: 'Review Desk URL',
	name: 'reviewDeskUrl',
	type: 'string',
	default: '',
	placeholder: 'e.g. https://n8n.example.com/webhook/waitlist-review',
	description:
		"Where the reviewUrl of each Review item points: the Production URL of your Review Desk Page Trigger. Empty: this n8n's address followed by /webhook/waitlist-review.",
};

/** "Options → Review Desk URL", on the operations that have a Review output. */
export function reviewOptionsProperty(displayOptions: IDisplayOptions): INodeProperties {
	return { displayName: 'Options', name: 'reviewOptions', type: 'collection', default: {}, placeholder: 'Add Option', displayOptions, options: [reviewDeskUrlOption] };
}

/**
 * The desk's address: the option, or this n8n's base URL with the desk's default path ('' when n8n
 * does not know its own address). `collection` is the Options collection that holds the option.
 */
export function reviewDeskUrlOf(ctx: IExecuteFunctions, itemIndex: number, collection = 'reviewOptions'): string {
	const raw = ctx.getNodeParameter(`${collection}.reviewDeskUrl`, itemIndex, '') as unknown;
	const given = typeof raw === 'string' ? raw.trim() : String(raw ?? '').trim();
	if (given !== '') {
		if (!/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(given)) {
			throw new LedgerInputError('reviewDeskUrl', `must be a web address starting with https:// or http://, e.g. https://n8n.example.com/webhook/waitlist-review; got ${JSON.stringify(given)}`);
		}
		return given;
	}
	const base = (ctx.getInstanceBaseUrl?.() ?? '').replace(/\/+$/, '');
	return base ? `${base}/webhook/${DEFAULT_REVIEW_DESK_PATH}` : '';
}

/** The link to one item on the desk; the desk itself when the finding has no review item. */
export function reviewUrlOf(deskUrl: string, reviewId: string | null | undefined): string {
	if (deskUrl === '' || !reviewId) return deskUrl;
	const url = new URL(deskUrl);
	url.searchParams.set('item', reviewId);
	return url.toString();
}

/** An amount in minor units as people write it: 5900 USD → "59.00 USD" (JPY has no minor unit). */
export function moneyText(amount: number | null | undefined, currency: string | null | undefined): string | null {
	if (typeof amount !== 'number' || !Number.isFinite(amount)) return null;
	const code = (currency ?? '').toUpperCase();
	let digits = 2;
	try {
		if (code) digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
	} catch {
		// Not an ISO currency code: shown with two decimals.
	}
	return `${(amount / 10 ** digits).toFixed(digits)}${code ? ` ${code}` : ''}`;
}

/** What an alert says, one line each; empty parts are left out. */
export interface ReviewAlert {
	/** What needs a person, as a headline. */
	headline: string;
	who?: string | null;
	paid?: string | null;
	/** The rule that stopped it: its name, and what it means. */
	rule?: string | null;
	todo?: string | null;
	reviewUrl: string;
}

/**
 * The message for Slack, Discord or email (plain text; Slack makes the link clickable). The channel
 * step escapes it for its own format.
 */
export function reviewAlertText(alert: ReviewAlert): string {
	const lines = [
		`Needs a person: ${alert.headline}`,
		alert.who ? `Who: ${alert.who}` : '',
		alert.paid ? `Paid: ${alert.paid}` : '',
		alert.rule ? `Stopped by: ${alert.rule}` : '',
		alert.todo ? `What to do: ${alert.todo}` : '',
		alert.reviewUrl ? `Open it on the review desk: ${alert.reviewUrl}` : 'Open the review desk (the Review Desk Page Trigger) to settle it.',
	];
	return lines.filter((line) => line !== '').join('\n');
}

/** The fields every Review item gets: the link and the ready message. */
export function withReviewAlert(json: IDataObject, alert: ReviewAlert): IDataObject {
	return { ...json, reviewUrl: alert.reviewUrl, text: reviewAlertText(alert) };
}
