import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { recordEvent, recordEvents, type NewLedgerEvent } from '../events';
import { forUpdate, inList, type SqlExecutor, type SqlValue } from '../store';

/**
 * Decisions the ledger will not take alone: a link that would join two contacts or break a
 * per-kind limit. Each becomes a review item a person resolves (e.g. by an explicit merge).
 */
export type ReviewReason = 'identifier_owned_by_other_contact' | 'identifier_limit_reached' | (string & {});

export interface ReviewItem {
	id: string;
	launch: string;
	/** What is to be reviewed, e.g. "link_identifier". */
	kind: string;
	reason: ReviewReason;
	contactId: string | null;
	otherContactId: string | null;
	payload: Record<string, unknown>;
	/** The cause this item is about (see subjects.ts); settling it closes the item. Null: items from before causes were named. */
	subject: string | null;
	status: 'open' | 'resolved';
	resolution: string | null;
	/** Who resolved it: the person's name, or what settled the cause (e.g. "webhook:stripe"). */
	resolvedBy: string | null;
	createdAt: number;
	resolvedAt: number | null;
}

export interface NewReviewItem {
	launch: string;
	kind: string;
	reason: ReviewReason;
	contactId?: string | null;
	otherContactId?: string | null;
	payload?: Record<string, unknown>;
	/**
	 * The cause (see subjects.ts). With one, an open item for the same cause is returned instead of a
	 * second one (a unique index decides, so two transactions at once still make one item).
	 */
	subject?: string | null;
	source?: string;
}

export async function openReviewItem(tx: SqlExecutor, item: NewReviewItem): Promise<ReviewItem> {
	const now = Date.now();
	const review: ReviewItem = {
		id: randomUUID(),
		launch: item.launch,
		kind: item.kind,
		reason: item.reason,
		contactId: item.contactId ?? null,
		otherContactId: item.otherContactId ?? null,
		payload: item.payload ?? {},
		subject: item.subject ?? null,
		status: 'open',
		resolution: null,
		resolvedBy: null,
		createdAt: now,
		resolvedAt: null,
	};
	const inserted = await tx.query<{ id: string }>(
		`INSERT INTO review_items (id, launch, kind, reason, contact_id, other_contact_id, payload, subject, status, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9)
		 ON CONFLICT (launch, subject) WHERE status = 'open' AND subject IS NOT NULL DO NOTHING RETURNING id`,
		[review.id, review.launch, review.kind, review.reason, review.contactId, review.otherContactId, JSON.stringify(review.payload), review.subject, now],
	);
	if (inserted.length === 0) {
		// The cause already has an open item: that one stands (its first reason is what a person reads).
		const [open] = await tx.query<ReviewRow>(`SELECT * FROM review_items WHERE launch = $1 AND subject = $2 AND status = 'open'`, [review.launch, review.subject]);
		if (open) return toReviewItem(open);
		throw new Error(`review item for ${review.subject} was neither inserted nor found open; retry the call`);
	}
	await recordEvent(tx, {
		launch: item.launch,
		contactId: review.contactId,
		type: 'review.opened',
		source: item.source,
		data: { reviewId: review.id, kind: review.kind, reason: review.reason, subject: review.subject, otherContactId: review.otherContactId, payload: review.payload },
		at: now,
	});
	return review;
}

export type ReviewRow = {
	id: string;
	launch: string;
	kind: string;
	reason: string;
	contact_id: string | null;
	other_contact_id: string | null;
	payload: string;
	subject: string | null;
	status: 'open' | 'resolved';
	resolution: string | null;
	resolved_by: string | null;
	created_at: number;
	resolved_at: number | null;
};

export function toReviewItem(r: ReviewRow): ReviewItem {
	return {
		id: r.id,
		launch: r.launch,
		kind: r.kind,
		reason: r.reason,
		contactId: r.contact_id,
		otherContactId: r.other_contact_id,
		payload: JSON.parse(r.payload) as Record<string, unknown>,
		subject: r.subject ?? null,
		status: r.status,
		resolution: r.resolution,
		resolvedBy: r.resolved_by ?? null,
		createdAt: Number(r.created_at),
		resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
	};
}

export async function listReviewItems(
	tx: SqlExecutor,
	launch: string,
	filter: { status?: 'open' | 'resolved'; contactId?: string; limit?: number } = {},
): Promise<ReviewItem[]> {
	const params: SqlValue[] = [launch];
	let sql = 'SELECT * FROM review_items WHERE launch = $1';
	if (filter.status) {
		params.push(filter.status);
		sql += ` AND status = $${params.length}`;
	}
	if (filter.contactId) {
		params.push(filter.contactId);
		sql += ` AND (contact_id = $${params.length} OR other_contact_id = $${params.length})`;
	}
	sql += ' ORDER BY created_at, id';
	if (filter.limit) {
		params.push(filter.limit);
		sql += ` LIMIT $${params.length}`;
	}
	return (await tx.query<ReviewRow>(sql, params)).map(toReviewItem);
}

export async function getReviewItem(tx: SqlExecutor, id: string): Promise<ReviewItem | null> {
	const [row] = await tx.query<ReviewRow>('SELECT * FROM review_items WHERE id = $1', [id]);
	return row ? toReviewItem(row) : null;
}

/** "already resolved by X at T: what was decided" — what the second of two people acting at once reads. */
export function alreadyResolved(item: ReviewItem): LedgerInputError {
	const at = item.resolvedAt === null ? 'an unknown time' : new Date(item.resolvedAt).toISOString();
	return new LedgerInputError(
		'reviewId',
		`review item ${item.id} is already resolved by ${item.resolvedBy ?? 'someone'} at ${at}: ${item.resolution ?? 'no note'}. Nothing was done again; reload the list to see its current state`,
	);
}

/** The item, locked for the rest of the transaction, and still open (else the "already resolved by" error). */
export async function lockOpenReviewItem(tx: SqlExecutor, id: string): Promise<ReviewItem> {
	if (typeof id !== 'string' || id.trim() === '') throw new LedgerInputError('reviewId', 'is required: the id of the review item to resolve');
	const [row] = await tx.query<ReviewRow>(`SELECT * FROM review_items WHERE id = $1${forUpdate(tx)}`, [id]);
	if (!row) throw new LedgerInputError('reviewId', `no review item has id "${id}"; it may have been forgotten with its contact`);
	const item = toReviewItem(row);
	if (item.status === 'resolved') throw alreadyResolved(item);
	return item;
}

/** One "review.resolved" event on each contact the item names, so the decision is in their history. */
async function recordResolved(tx: SqlExecutor, items: readonly ReviewItem[], data: Record<string, unknown>, source: string | undefined, now: number): Promise<void> {
	const events: NewLedgerEvent[] = [];
	for (const item of items) {
		const contacts = [...new Set([item.contactId, item.otherContactId])].filter((c) => c !== null);
		for (const contactId of contacts.length ? contacts : [null]) {
			events.push({ launch: item.launch, contactId, type: 'review.resolved', source, data: { reviewId: item.id, kind: item.kind, reason: item.reason, subject: item.subject, ...data }, at: now });
		}
	}
	await recordEvents(tx, events);
}

/** Closes a review item with a note of what was decided ("merged", "dismissed: different people" …). */
export async function resolveReviewItem(
	tx: SqlExecutor,
	id: string,
	resolution: string,
	options: { source?: string; by?: string } = {},
): Promise<ReviewItem> {
	if (typeof resolution !== 'string' || resolution.trim() === '') {
		throw new LedgerInputError('resolution', 'is required: say what was decided, e.g. "merged" or "dismissed: different people"');
	}
	const item = await lockOpenReviewItem(tx, id);
	const now = Date.now();
	const by = options.by ?? options.source ?? null;
	await tx.execute(`UPDATE review_items SET status = 'resolved', resolution = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4`, [resolution.trim(), by, now, id]);
	await recordResolved(tx, [item], { resolution: resolution.trim(), by }, options.source, now);
	return { ...item, status: 'resolved', resolution: resolution.trim(), resolvedBy: by, resolvedAt: now };
}

/**
 * Closes every open item about these causes: what settles a cause (a person's action, a later
 * event, reconciliation) calls this, so no item outlives its cause. Returns the items it closed.
 */
export async function closeReviewSubjects(
	tx: SqlExecutor,
	launch: string,
	subjects: readonly (string | null | undefined)[],
	settled: { resolution: string; by: string; source?: string; now?: number },
): Promise<ReviewItem[]> {
	const named = [...new Set(subjects.filter((s): s is string => typeof s === 'string' && s !== ''))];
	if (named.length === 0) return [];
	const now = settled.now ?? Date.now();
	const params: SqlValue[] = [settled.resolution, settled.by, now, launch];
	const rows = await tx.query<ReviewRow>(
		`UPDATE review_items SET status = 'resolved', resolution = $1, resolved_by = $2, resolved_at = $3
		  WHERE launch = $4 AND status = 'open' AND subject IN (${inList(named, params)}) RETURNING *`,
		params,
	);
	const closed = rows.map(toReviewItem);
	await recordResolved(tx, closed, { resolution: settled.resolution, by: settled.by }, settled.source, now);
	return closed;
}
