import type { PurchaseFact, PurchaseFactSource } from '../reconcile/types';
import type { SqlExecutor } from '../store';
import type { PurchaseRow } from './purchase-row';

type FactRow = PurchaseRow & { access_state: string | null; access_pin: string | null };

/**
 * The sweep acts on "paid" (grant if missing) and "refunded" / "dispute_lost" (revoke if present).
 * Anything the state machine is still deciding — a pin, an open dispute, a running refund window —
 * gets a state of its own, so the sweep leaves it alone.
 */
function factState(r: FactRow): PurchaseFact['state'] {
	if (r.access_pin) return `pinned_${r.access_pin}`;
	if (r.dispute === 'lost') return 'dispute_lost';
	if (r.dispute === 'open') return 'disputed';
	if (r.refunded_at !== null) return r.access_state === 'revoke_pending' ? 'refund_window' : 'refunded';
	if (r.captured_at !== null) return 'paid';
	return 'pending';
}

const toFact = (r: FactRow): PurchaseFact => ({
	orderId: r.order_id,
	contactId: r.contact_id,
	productId: r.product_id ?? '',
	state: factState(r),
	accessGranted: r.access_state === 'granted' || r.access_state === 'revoke_pending',
});

const FACT_SELECT = `SELECT p.*, a.state AS access_state, a.pin AS access_pin FROM purchases p
	 LEFT JOIN access a ON a.launch = p.launch AND a.contact_id = p.contact_id AND a.product_id = p.product_id`;

/** Implements reconcile's PurchaseFactSource over the purchases and access tables. */
export const purchaseFactSource: PurchaseFactSource = {
	async forOrders(tx: SqlExecutor, launch: string, orderIds: readonly string[]): Promise<PurchaseFact[]> {
		if (orderIds.length === 0) return [];
		const placeholders = orderIds.map((_, i) => `$${i + 2}`).join(', ');
		const rows = await tx.query<FactRow>(`${FACT_SELECT} WHERE p.launch = $1 AND p.order_id IN (${placeholders})`, [launch, ...orderIds]);
		return rows.map(toFact);
	},
	async forAccess(tx: SqlExecutor, launch: string, pairs: readonly { contactId: string; productId: string }[]): Promise<PurchaseFact[]> {
		const facts: PurchaseFact[] = [];
		for (const pair of pairs) {
			const [r] = await tx.query<FactRow>(`${FACT_SELECT} WHERE p.launch = $1 AND p.contact_id = $2 AND p.product_id = $3 ORDER BY p.updated_at DESC LIMIT 1`, [
				launch,
				pair.contactId,
				pair.productId,
			]);
			if (r) facts.push(toFact(r));
		}
		return facts;
	},
};
