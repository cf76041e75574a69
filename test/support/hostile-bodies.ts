/**
 * Oversized and refused bodies for the hostile-input tests (issue 20 rows 1, 2, 5): a signed Stripe
 * event of a chosen size, and what the ledger keeps of bodies, read with SQL.
 */
import type { Ledger } from '../../ledger';
import { stripe } from './purchase-fixtures';

/**
 * A checkout.session.completed event padded with line items (the way a large real session grows)
 * to at least `bytes` bytes of JSON.
 */
export function largeStripeEvent(id: string, bytes: number, o: Parameters<typeof stripe.checkoutCompleted>[1] = {}): string {
	const event = stripe.checkoutCompleted(id, o);
	const item = (i: number) => ({ id: `li_${i}`, object: 'item', description: `Course seat ${i} — Zoë's cohort ${'·'.repeat(60)}`, amount_total: 0, currency: 'usd', quantity: 1 });
	const items: ReturnType<typeof item>[] = [];
	(event.data.object as Record<string, unknown>).line_items = { object: 'list', data: items };
	let size = Buffer.byteLength(JSON.stringify(event));
	while (size < bytes) {
		items.push(item(items.length));
		size += Buffer.byteLength(JSON.stringify(items[items.length - 1])) + 1;
	}
	return JSON.stringify(event);
}

/** Bytes of body text the ledger holds for a launch: refused and received payment deliveries, refused signups. */
export async function storedBodyBytes(ledger: Ledger, launch: string): Promise<{ inbox: number; inboxRows: number; rejections: number; rejectionRows: number }> {
	const bytes = (column: string) => (ledger.store.dialect === 'postgres' ? `octet_length(${column})` : `length(CAST(${column} AS BLOB))`);
	const [inbox] = await ledger.store.query<{ n: number; bytes: number | null }>(`SELECT COUNT(*) AS n, SUM(${bytes('raw_body')}) AS bytes FROM purchase_inbox WHERE launch = $1`, [launch]);
	const [rej] = await ledger.store.query<{ n: number; bytes: number | null }>(`SELECT COUNT(*) AS n, SUM(${bytes('payload')}) AS bytes FROM capture_rejections WHERE launch = $1`, [launch]);
	return { inbox: Number(inbox?.bytes ?? 0), inboxRows: Number(inbox?.n ?? 0), rejections: Number(rej?.bytes ?? 0), rejectionRows: Number(rej?.n ?? 0) };
}
