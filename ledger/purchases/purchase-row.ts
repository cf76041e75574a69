import { randomUUID } from 'node:crypto';

import { forUpdate, type SqlExecutor, type SqlValue } from '../store';
import type { PurchaseEvent } from './normalize';

/** A purchase as stored: one row per (launch, provider, order), holding the facts its events brought. */
export type PurchaseRow = {
	id: string;
	launch: string;
	provider: string;
	order_id: string;
	contact_id: string | null;
	product_id: string | null;
	captured_at: number | null;
	refunded_at: number | null;
	revoke_at: number | null;
	refunded_amount: number | null;
	dispute: string | null;
	amount: number | null;
	currency: string | null;
	email: string | null;
	customer_id: string | null;
};

/** Upserts the purchase row and locks it (row lock on PostgreSQL; SQLite serializes writers). */
export async function lockPurchase(tx: SqlExecutor, launch: string, event: PurchaseEvent, orderId: string, now: number): Promise<PurchaseRow> {
	await tx.execute(
		`INSERT INTO purchases (id, launch, provider, order_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
		 ON CONFLICT (launch, provider, order_id) DO NOTHING`,
		[randomUUID(), launch, event.provider, orderId, now],
	);
	const [row] = await tx.query<PurchaseRow>(`SELECT * FROM purchases WHERE launch = $1 AND provider = $2 AND order_id = $3${forUpdate(tx)}`, [launch, event.provider, orderId]);
	return row!;
}

/** The purchase facts after this event. Facts only ever move forward, so order does not matter. */
function factsAfter(row: PurchaseRow, event: PurchaseEvent, now: number, revokeAfterMs: number): Partial<Record<'captured_at' | 'refunded_at' | 'revoke_at' | 'refunded_amount' | 'dispute', SqlValue>> {
	const at = event.occurredAt ?? now;
	switch (event.type) {
		case 'captured':
			return row.captured_at === null ? { captured_at: at } : {};
		case 'refunded': {
			const amount = Math.max(Number(row.refunded_amount ?? 0), event.amount ?? 0);
			// Partial refunds that add up to the whole price are a full refund.
			const full = event.fullRefund === true || (row.amount !== null && Number(row.amount) > 0 && amount >= Number(row.amount));
			return { refunded_amount: amount, ...(full && row.refunded_at === null ? { refunded_at: now, revoke_at: now + revokeAfterMs } : {}) };
		}
		case 'dispute_opened':
			// A dispute already closed stays closed (the "opened" event can arrive late).
			return row.dispute === null ? { dispute: 'open' } : {};
		case 'dispute_won':
			return row.dispute === 'lost' ? {} : { dispute: 'won' };
		case 'dispute_lost':
			return { dispute: 'lost' };
		default:
			return {};
	}
}

/**
 * Writes this event's facts and what it tells about the purchase (contact, product, email, customer
 * id, price), never overwriting what an earlier event set. Written even when the purchase cannot be
 * placed yet (a dispute before its capture): the capture that arrives later settles access with them.
 */
export async function writePurchaseFacts(
	tx: SqlExecutor,
	purchase: PurchaseRow,
	event: PurchaseEvent,
	c: { contactId: string | null; matchedBy: string | null; productId: string | null; now: number; revokeAfterMs: number },
): Promise<void> {
	const changes = factsAfter(purchase, event, c.now, c.revokeAfterMs);
	// matched_by: how the purchase found its contact (the launch monitor's reconciliation split), kept from the first match.
	const sets: string[] = ['contact_id = COALESCE(contact_id, $1)', 'product_id = COALESCE(product_id, $2)', 'email = COALESCE(email, $3)', 'customer_id = COALESCE(customer_id, $4)', 'updated_at = $5', 'matched_by = COALESCE(matched_by, $6)'];
	const params: SqlValue[] = [c.contactId, c.productId, event.email, event.customerId, c.now, c.matchedBy];
	if (event.type === 'captured' || event.type === 'authorized' || event.type === 'partial_payment') {
		params.push(event.amount, event.currency);
		sets.push(`amount = COALESCE($${params.length - 1}, amount)`, `currency = COALESCE($${params.length}, currency)`);
	}
	for (const [column, value] of Object.entries(changes)) {
		params.push(value);
		sets.push(`${column} = $${params.length}`);
	}
	params.push(purchase.id);
	await tx.execute(`UPDATE purchases SET ${sets.join(', ')} WHERE id = $${params.length}`, params);
}

/** A capture held for its price: the purchase keeps who and what it was and the price it came with, no facts. */
export async function writeHeldPurchase(
	tx: SqlExecutor,
	purchase: PurchaseRow,
	c: { contactId: string | null; matchedBy: string | null; productId: string; amount: number | null; currency: string | null; now: number },
): Promise<void> {
	await tx.execute('UPDATE purchases SET contact_id = COALESCE(contact_id, $1), product_id = COALESCE(product_id, $2), amount = $3, currency = $4, updated_at = $5, matched_by = COALESCE(matched_by, $7) WHERE id = $6', [
		c.contactId,
		c.productId,
		c.amount,
		c.currency,
		c.now,
		purchase.id,
		c.matchedBy,
	]);
}
