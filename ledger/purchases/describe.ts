import type { AccessDecision, AccessState } from './access-state';

/**
 * A decision in words, for the Purchase Match node's items and the review desk. The words come in
 * two halves so they cannot contradict the state: what happened (from the reason, never a claim
 * about access) and what access is now (from the access state and the decision only). A No Change
 * item after a full refund therefore says "Paid. Access stays revoked.", never "access granted".
 */

/** Why a purchase went to review, with what to do next. */
const REVIEW_WORDS: Record<string, string> = {
	no_contact_match:
		'No contact has this checkout token, customer ID or email. Match it to a contact on the review desk, or find the buyer (Waitlist Contact → Find), link the email they paid with (Waitlist Contact → Link Identifier), then run Purchase → Replay After Review with the inbox entry ID.',
	unknown_product:
		"The payment names a product the ledger does not know. Add it with Product → Define (with the provider's product ID), then run Purchase → Replay After Review.",
	amount_mismatch: "The amount paid is not the product's price. Check the checkout (a coupon? a wrong price?) and give access by hand (Access → Pin) if it is right.",
	currency_mismatch: "The currency paid is not the product's currency. Check the checkout and give access by hand (Access → Pin) if it is right.",
	missing_order_id: 'The payment carries no order or payment ID, so its refunds could never be matched. Look at the inbox entry and decide by hand.',
	forgotten_person:
		"This delivery belongs to a forgotten person: it was kept without its body, matched to no one and changed no access. If money moved (a refund, a chargeback), settle it in the payment provider's dashboard, then dismiss this item.",
};

/** What happened, by reason: facts about the payment or the person's action, never about access. */
const EVENT_WORDS: Record<string, string> = {
	captured: 'Paid.',
	refunded: 'Refunded in full.',
	refund_window_over: 'The refund window is over.',
	dispute_opened: 'A chargeback was opened.',
	dispute_lost: 'The chargeback was lost.',
	dispute_won: 'The chargeback was won.',
	pinned: 'A person pinned this access; payment events do not change it until the pin is removed (Access → Unpin).',
	already_processed: 'This webhook delivery was already handled; nothing was done again.',
	authorized: 'Not paid yet (an intent or an unpaid session): access follows only once the money is captured.',
	partial_payment: 'Only part of the price was paid.',
	awaiting_purchase: 'This event arrived before its purchase; it is kept and settles when the purchase arrives.',
	unknown_event_type: 'An event type that never changes access; recorded and ignored.',
	needs_confirmation: 'The sale must be confirmed with the provider before it counts as paid.',
	not_pinned: 'This access was not pinned; nothing changed.',
	unpinned: 'The pin was removed; access follows the payment events again.',
	merged: 'Two contacts were merged; access was settled against all their purchases.',
	unmerged: 'A merge was undone; access was settled against each contact\'s purchases.',
	no_contact_match: 'Not paid yet, and no contact matches this checkout; a capture that still matches nobody goes to review.',
	'pin:grant': 'A person pinned this access to "grant"; payment events do not change it until the pin is removed.',
	'pin:revoke': 'A person pinned this access to "revoke"; payment events do not change it until the pin is removed.',
};

/** What access is now. Only `granted` and `revoke_pending` say the person has access. */
function accessWords(decision: AccessDecision, state: AccessState | null): string {
	switch (state) {
		case 'granted':
			return decision === 'grant' ? 'Access granted: the grant is in the outbox.' : 'Access stays granted.';
		case 'revoke_pending':
			return 'Access continues until the refund window is over; Apply Due Revocations on a schedule revokes it then.';
		case 'revoked':
			return decision === 'revoke' ? 'Access revoked: the revoke is in the outbox.' : 'Access stays revoked.';
		case 'none':
			return 'No access.';
		default:
			return '';
	}
}

export interface DescribableDecision {
	decision: AccessDecision;
	reason: string;
	accessState: AccessState | null;
}

/** The decision in words: what happened, then what access is now (or, for review, what to do). */
export function describeDecision(d: DescribableDecision): string {
	if (d.decision === 'review') return REVIEW_WORDS[d.reason] ?? `A person must decide (${d.reason}); access was not changed.`;
	const what = EVENT_WORDS[d.reason] ?? (d.reason.startsWith('pin:') ? EVENT_WORDS.pinned! : `${d.reason}.`);
	const access = accessWords(d.decision, d.accessState);
	return access === '' ? what : `${what} ${access}`;
}

/** The reasons this module has words for (the property test walks them). */
export const DESCRIBED_REASONS: readonly string[] = [...Object.keys(EVENT_WORDS), ...Object.keys(REVIEW_WORDS)];
