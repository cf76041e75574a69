import type { FieldError } from '../capture/validate';
import type { SqlExecutor, SqlValue } from '../store';
import { decodeCursor, encodeCursor, pageSize, type Page } from './cursor';

/**
 * The lists beside the review desk: what the pack refused or could not deliver. Read-only, newest
 * first, a page at a time. They read only the columns every version of these tables has (how the
 * refused bodies themselves are kept is the inbox's and the rejections' business).
 */

export interface RefusedSignup {
	id: number;
	/** The HTTP status the visitor got. */
	status: number;
	reason: string;
	/** Which fields were wrong and why (what was sent, as far as the refusal is concerned). */
	errors: FieldError[];
	contentType: string | null;
	at: number;
}

export interface RefusedDelivery {
	id: string;
	provider: string;
	/** Why verification refused it, e.g. bad_signature: a wrong signing secret shows up here first. */
	reason: string | null;
	eventType: string | null;
	attempts: number;
	at: number;
}

export interface DeadLetter {
	id: string;
	kind: string;
	contactId: string | null;
	attempts: number;
	lastError: string | null;
	at: number;
}

const parseErrors = (raw: string | null): RefusedSignup['errors'] => {
	try {
		const list = JSON.parse(raw ?? '[]') as unknown;
		return Array.isArray(list) ? (list as RefusedSignup['errors']) : [];
	} catch {
		return [];
	}
};

export async function listRefusedSignups(tx: SqlExecutor, launch: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<RefusedSignup>> {
	const limit = pageSize(options.limit);
	const after = decodeCursor(options.cursor, ['number', 'number']);
	const params: SqlValue[] = [launch];
	let sql = 'SELECT id, status, reason, errors, content_type, created_at FROM capture_rejections WHERE launch = $1';
	if (after) {
		const [at, id] = [params.push(after[0]!), params.push(after[1]!)];
		sql += ` AND (created_at < $${at} OR (created_at = $${at} AND id < $${id}))`;
	}
	sql += ` ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`;
	const rows = await tx.query<{ id: number; status: number; reason: string; errors: string | null; content_type: string | null; created_at: number }>(sql, params);
	const items = rows.slice(0, limit).map((r) => ({
		id: Number(r.id),
		status: Number(r.status),
		reason: r.reason,
		errors: parseErrors(r.errors),
		contentType: r.content_type,
		at: Number(r.created_at),
	}));
	const last = items[items.length - 1];
	return { items, next: rows.length > limit && last ? encodeCursor([last.at, last.id]) : null };
}

export async function listRefusedDeliveries(tx: SqlExecutor, launch: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<RefusedDelivery>> {
	const limit = pageSize(options.limit);
	const after = decodeCursor(options.cursor, ['number', 'string']);
	const params: SqlValue[] = [launch];
	let sql = `SELECT id, provider, signature_reason, event_type, attempts, received_at FROM purchase_inbox WHERE launch = $1 AND status = 'rejected'`;
	if (after) {
		const [at, id] = [params.push(after[0]!), params.push(after[1]!)];
		sql += ` AND (received_at < $${at} OR (received_at = $${at} AND id < $${id}))`;
	}
	sql += ` ORDER BY received_at DESC, id DESC LIMIT $${params.push(limit + 1)}`;
	const rows = await tx.query<{ id: string; provider: string; signature_reason: string | null; event_type: string | null; attempts: number; received_at: number }>(sql, params);
	const items = rows.slice(0, limit).map((r) => ({
		id: r.id,
		provider: r.provider,
		reason: r.signature_reason,
		eventType: r.event_type,
		attempts: Number(r.attempts),
		at: Number(r.received_at),
	}));
	const last = items[items.length - 1];
	return { items, next: rows.length > limit && last ? encodeCursor([last.at, last.id]) : null };
}

export async function listDeadLetters(tx: SqlExecutor, launch: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<DeadLetter>> {
	const limit = pageSize(options.limit);
	const after = decodeCursor(options.cursor, ['number']);
	const params: SqlValue[] = [launch];
	// Newest entry first, by the outbox's own order (indexed with the status), not by when it died.
	let sql = `SELECT seq, id, kind, contact_id, attempts, last_error, updated_at FROM outbox WHERE launch = $1 AND status = 'dead'`;
	if (after) sql += ` AND seq < $${params.push(after[0]!)}`;
	sql += ` ORDER BY seq DESC LIMIT $${params.push(limit + 1)}`;
	const rows = await tx.query<{ seq: number; id: string; kind: string; contact_id: string | null; attempts: number; last_error: string | null; updated_at: number }>(sql, params);
	const shown = rows.slice(0, limit);
	const items = shown.map((r) => ({
		id: r.id,
		kind: r.kind,
		contactId: r.contact_id,
		attempts: Number(r.attempts),
		lastError: r.last_error,
		at: Number(r.updated_at),
	}));
	const last = shown[shown.length - 1];
	return { items, next: rows.length > limit && last ? encodeCursor([Number(last.seq)]) : null };
}
