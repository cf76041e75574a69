/**
 * The access state machine per (contact, product), as pure functions:
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

/** What the facts (and a pin) say access should be. */
export type AccessTarget = { kind: 'grant' } | { kind: 'revoke_now' } | { kind: 'revoke_at'; at: number } | { kind: 'none' };

export interface PurchaseFacts {
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
