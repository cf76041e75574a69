import type { IDataObject } from 'n8n-workflow';

import type { DeskItem, Ledger } from '../../../../ledger';
import { moneyText, reviewUrlOf, withReviewAlert, type ReviewAlert } from '../../../shared/reviewLink';
import type { Routed } from '../common';

/** What stopped a payment, as a headline a creator understands. */
const HEADLINES: Record<string, string> = {
	no_contact_match: 'a payment matched nobody on your waitlist, so no access was given',
	unknown_product: 'a payment names a product the ledger does not know, so no access was given',
	amount_mismatch: "a payment does not match the product's price, so no access was given",
	currency_mismatch: "a payment is not in the product's currency, so no access was given",
	missing_order_id: 'a payment carries no order ID, so no access was given',
	replay_failed: 'a payment could not be processed, so no access was given',
};

/** The rule's name and, when it helps, what it checked. */
const RULES: Record<string, string> = {
	no_contact_match: 'no_contact_match (no contact has its checkout token, customer ID or email)',
	unknown_product: 'unknown_product (the product is not defined with Product → Define)',
	amount_mismatch: "amount_mismatch (the amount paid is not the product's price)",
	currency_mismatch: "currency_mismatch (the currency is not the product's)",
	missing_order_id: 'missing_order_id (refunds of it could never be matched)',
	replay_failed: 'replay_failed (the stored delivery could not be processed)',
};

function whoOf(item: DeskItem | null, json: IDataObject): string | null {
	const contact = item?.contact;
	if (contact) return [contact.name, contact.email ?? contact.id].filter(Boolean).join(' ');
	const email = item?.paid?.email;
	if (email) return `${email} (the email paid with; no contact has it)`;
	return typeof json.contactId === 'string' ? `contact ${json.contactId}` : null;
}

function paidOf(item: DeskItem | null, json: IDataObject): string | null {
	const paid = item?.paid;
	const provider = paid?.provider ?? (typeof json.provider === 'string' ? json.provider : null);
	const parts = [
		moneyText(paid?.amount, paid?.currency),
		paid?.productId ? `for ${paid.productId}` : null,
		provider ? `through ${provider}` : null,
		paid?.orderId ? `(order ${paid.orderId})` : typeof json.eventId === 'string' ? `(event ${json.eventId})` : null,
	].filter((part): part is string => part !== null);
	return parts.length ? parts.join(' ') : null;
}

/** A Review item's alert: from the desk's view of the item (who, what was paid), or from the item itself when there is none. */
function alertOf(json: IDataObject, item: DeskItem | null, deskUrl: string): ReviewAlert {
	const reason = String(json.reason ?? '');
	return {
		headline: HEADLINES[reason] ?? `a payment needs a decision (${reason}); access was not changed`,
		who: whoOf(item, json),
		paid: paidOf(item, json),
		rule: RULES[reason] ?? reason,
		todo: typeof json.message === 'string' ? json.message : null,
		reviewUrl: reviewUrlOf(deskUrl, typeof json.reviewId === 'string' ? json.reviewId : null),
	};
}

/**
 * Adds `reviewUrl` (the item on the review desk) and `text` (the message for the alert channel) to
 * the items routed to Review; the others pass unchanged. Reading the desk's view costs one query per
 * Review item, which are rare; nothing else is asked of the ledger. `deskUrl` is read (and checked)
 * before the decision, so a mistyped Review Desk URL fails the first run, not the first Review item.
 */
export async function withReviewLinks(ledger: Ledger, deskUrl: string, routed: Routed[]): Promise<Routed[]> {
	if (!routed.some((r) => r.output === 'review')) return routed;
	const out: Routed[] = [];
	for (const r of routed) {
		if (r.output !== 'review') {
			out.push(r);
			continue;
		}
		const item = typeof r.json.reviewId === 'string' ? await ledger.review.detail(r.json.reviewId) : null;
		out.push({ output: r.output, json: withReviewAlert(r.json, alertOf(r.json, item, deskUrl)) });
	}
	return out;
}
