import type { AccessDecision, AccessState } from './access-state';
import type { MatchedBy } from './match';
import type { PaymentProvider } from './verify';

/** What applying a purchase event, a pin or a revoke sweep decided for one (contact, product). */
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

/**
 * A decision with what it was about — the launch and the provider's event — so a node can label its
 * item without asking the ledger again. `eventType` is the inbox's (the provider's own name) for an
 * inbox entry, the pack's type for an event applied directly.
 */
export interface EventDecision extends PurchaseDecision {
	launch: string;
	provider: PaymentProvider;
	eventId: string | null;
	eventType: string | null;
}

export function decisionOf(effect: 'grant' | 'revoke' | null): AccessDecision {
	return effect ?? 'no_change';
}

export const emptyDecision = (reason: string): PurchaseDecision => ({
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
