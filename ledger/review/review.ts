import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import type { SqlExecutor, SqlValue } from '../store';

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
	status: 'open' | 'resolved';
	resolution: string | null;
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
		status: 'open',
		resolution: null,
		createdAt: now,
		resolvedAt: null,
	};
	await tx.execute(
		`INSERT INTO review_items (id, launch, kind, reason, contact_id, other_contact_id, payload, status, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)`,
		[review.id, review.launch, review.kind, review.reason, review.contactId, review.otherContactId, JSON.stringify(review.payload), now],
	);
	await recordEvent(tx, {
		launch: item.launch,
		contactId: review.contactId,
		type: 'review.opened',
		source: item.source,
		data: { reviewId: review.id, kind: review.kind, reason: review.reason, otherContactId: review.otherContactId, payload: review.payload },
		at: now,
	});
	return review;
}

type ReviewRow = {
	id: string;
	launch: string;
	kind: string;
	reason: string;
	contact_id: string | null;
	other_contact_id: string | null;
	payload: string;
	status: 'open' | 'resolved';
	resolution: string | null;
	created_at: number;
	resolved_at: number | null;
};

function toReviewItem(r: ReviewRow): ReviewItem {
	return {
		id: r.id,
		launch: r.launch,
		kind: r.kind,
		reason: r.reason,
		contactId: r.contact_id,
		otherContactId: r.other_contact_id,
		payload: JSON.parse(r.payload) as Record<string, unknown>,
		status: r.status,
		resolution: r.resolution,
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

/** Closes a review item with a note of what was decided ("merged", "dismissed: different people" …). */
export async function resolveReviewItem(tx: SqlExecutor, id: string, resolution: string, options: { source?: string } = {}): Promise<ReviewItem> {
	if (typeof resolution !== 'string' || resolution.trim() === '') {
		throw new LedgerInputError('resolution', 'is required: say what was decided, e.g. "merged" or "dismissed: different people"');
	}
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const [row] = await tx.query<ReviewRow>(`SELECT * FROM review_items WHERE id = $1${lock}`, [id]);
	if (!row) throw new LedgerInputError('reviewId', `no review item has id "${id}"`);
	if (row.status === 'resolved') throw new LedgerInputError('reviewId', `review item ${id} is already resolved (${row.resolution})`);
	const now = Date.now();
	await tx.execute(`UPDATE review_items SET status = 'resolved', resolution = $1, resolved_at = $2 WHERE id = $3`, [resolution.trim(), now, id]);
	await recordEvent(tx, {
		launch: row.launch,
		contactId: row.contact_id,
		type: 'review.resolved',
		source: options.source,
		data: { reviewId: id, resolution: resolution.trim() },
		at: now,
	});
	return { ...toReviewItem(row), status: 'resolved', resolution: resolution.trim(), resolvedAt: now };
}
