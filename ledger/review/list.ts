import { inList, type SqlExecutor, type SqlValue } from '../store';
import { decodeCursor, encodeCursor, pageSize, type Page } from './cursor';
import { toReviewItem, type ReviewItem, type ReviewRow } from './review';

/** A contact as a person recognises them on the desk. */
export interface DeskContact {
	id: string;
	email: string | null;
	name: string | null;
	status: string;
}

/** A review item with what a person needs to decide it, without asking the ledger again. */
export interface DeskItem extends ReviewItem {
	contact: DeskContact | null;
	otherContact: DeskContact | null;
	/** What was paid, when the item is about a payment. */
	paid: { provider: string | null; orderId: string | null; productId: string | null; amount: number | null; currency: string | null; email: string | null } | null;
	/** Which rule stopped it (the item's reason). */
	rule: string;
	/** The inbox entry holding the raw delivery, when there is one. */
	inboxId: string | null;
}

export interface DeskFilter {
	status?: 'open' | 'resolved';
	cursor?: string;
	limit?: number;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A display name from the profile fields signups usually carry. */
export function displayName(profile: string | null): string | null {
	let p: Record<string, unknown> = {};
	try {
		p = JSON.parse(profile ?? '{}') as Record<string, unknown>;
	} catch {
		return null;
	}
	const full = [text(p.first_name), text(p.last_name)].filter((x) => x !== null).join(' ');
	return text(p.name) ?? (full === '' ? null : full);
}

async function contactsById(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, DeskContact>> {
	const unique = [...new Set(ids)];
	if (unique.length === 0) return new Map();
	const params: SqlValue[] = [];
	const rows = await tx.query<{ id: string; email: string | null; profile: string | null; status: string }>(
		`SELECT id, email, profile, status FROM contacts WHERE id IN (${inList(unique, params)})`,
		params,
	);
	return new Map(rows.map((r) => [r.id, { id: r.id, email: r.email, name: displayName(r.profile), status: r.status }]));
}

function paidOf(payload: Record<string, unknown>): DeskItem['paid'] {
	if (payload.orderId === undefined && payload.amount === undefined && payload.provider === undefined) return null;
	return {
		provider: text(payload.provider),
		orderId: text(payload.orderId),
		productId: text(payload.productId),
		amount: num(payload.amount),
		currency: text(payload.currency),
		email: text(payload.email),
	};
}

function withContext(item: ReviewItem, contacts: Map<string, DeskContact>): DeskItem {
	return {
		...item,
		contact: item.contactId ? (contacts.get(item.contactId) ?? null) : null,
		otherContact: item.otherContactId ? (contacts.get(item.otherContactId) ?? null) : null,
		paid: paidOf(item.payload),
		rule: item.reason,
		inboxId: text(item.payload.inboxId),
	};
}

/**
 * The desk: open items first, newest first within each, a page at a time (the cursor is the last
 * row's sort key, so a page never repeats or skips a row while items are added).
 */
export async function listDesk(tx: SqlExecutor, launch: string, filter: DeskFilter = {}): Promise<Page<DeskItem>> {
	const limit = pageSize(filter.limit);
	const after = decodeCursor(filter.cursor, ['number', 'number', 'string']);
	const params: SqlValue[] = [launch];
	const rank = `(CASE WHEN status = 'open' THEN 0 ELSE 1 END)`;
	let sql = `SELECT *, ${rank} AS rank FROM review_items WHERE launch = $1`;
	if (filter.status) {
		params.push(filter.status);
		sql += ` AND status = $${params.length}`;
	}
	if (after) {
		params.push(after[0]!, after[1]!, after[2]!);
		const [r, c, i] = [params.length - 2, params.length - 1, params.length];
		sql += ` AND (${rank} > $${r} OR (${rank} = $${r} AND (created_at < $${c} OR (created_at = $${c} AND id < $${i}))))`;
	}
	params.push(limit + 1);
	sql += ` ORDER BY rank, created_at DESC, id DESC LIMIT $${params.length}`;
	const rows = await tx.query<ReviewRow & { rank: number }>(sql, params);
	const shown = rows.slice(0, limit);
	const contacts = await contactsById(tx, shown.flatMap((r) => [r.contact_id, r.other_contact_id].filter((c): c is string => c !== null)));
	const items = shown.map((row) => withContext(toReviewItem(row), contacts));
	const last = shown[shown.length - 1];
	return { items, next: rows.length > limit && last ? encodeCursor([Number(last.rank), Number(last.created_at), last.id]) : null };
}

/** One item with its context, or null. */
export async function getDeskItem(tx: SqlExecutor, id: string): Promise<DeskItem | null> {
	const [row] = await tx.query<ReviewRow>('SELECT * FROM review_items WHERE id = $1', [id]);
	if (!row) return null;
	const item = toReviewItem(row);
	const contacts = await contactsById(tx, [item.contactId, item.otherContactId].filter((c): c is string => c !== null));
	return withContext(item, contacts);
}
