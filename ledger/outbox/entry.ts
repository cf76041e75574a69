import { LedgerInputError } from '../errors';
import type { ReferralFields } from '../referrals/fields';
import { recordEvents, type NewLedgerEvent } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';

/** What a vendor must be asked to do. One outbox for all of them, so one sweep can replay all. */
export type OutboxKind = 'grant' | 'revoke' | 'esp_sync' | 'crm_sync' | 'tag_sync' | 'delivery_sync' | (string & {});

/**
 * pending → claimed → done; claimed → failed (retry later) → claimed …; → dead after the last attempt.
 * held: decided while the kill switch was on; released to pending on resume, or discarded by a person.
 * waiting: an ESP sync for a contact without an email; pending once one is linked (waiting.ts).
 * flagged: a sync of a flagged signup, held until a person clears it (pending) or confirms it as spam
 * (discarded) on the review desk (abuse/review.ts).
 * unconfirmed: a sync of a person who has not confirmed their address yet (double opt-in); released
 * when they confirm (optin/confirm.ts), never claimed before.
 */
export type OutboxStatus = 'pending' | 'claimed' | 'failed' | 'done' | 'dead' | 'held' | 'discarded' | 'waiting' | 'flagged' | 'unconfirmed';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'claimed', 'failed', 'done', 'dead', 'held', 'discarded', 'waiting', 'flagged', 'unconfirmed'];

export interface OutboxEntry {
	id: string;
	launch: string;
	kind: string;
	idempotencyKey: string;
	contactId: string | null;
	payload: Record<string, unknown>;
	status: OutboxStatus;
	attempts: number;
	maxAttempts: number;
	nextAttemptAt: number;
	leaseUntil: number | null;
	claimedBy: string | null;
	lastError: string | null;
	responseId: string | null;
	/** Insertion order; held entries are released in it. */
	seq: number;
	createdAt: number;
	updatedAt: number;
}

/** A claimed entry carries the token that proves its holder; ack, fail and release need it. */
export interface ClaimedOutboxEntry extends OutboxEntry {
	claimToken: string;
	leaseUntil: number;
	/** On a claimed ESP sync of a contact in the line: the referral custom fields as they are now. */
	referralFields?: ReferralFields;
}

export type OutboxRow = {
	id: string;
	launch: string;
	kind: string;
	idempotency_key: string;
	contact_id: string | null;
	payload: string;
	status: string;
	attempts: number;
	max_attempts: number;
	next_attempt_at: number;
	lease_until: number | null;
	claimed_by: string | null;
	claim_token: string | null;
	last_error: string | null;
	response_id: string | null;
	seq: number;
	created_at: number;
	updated_at: number;
};

export const COLUMNS =
	'id, launch, kind, idempotency_key, contact_id, payload, status, attempts, max_attempts, next_attempt_at, lease_until, claimed_by, claim_token, last_error, response_id, seq, created_at, updated_at';

export function toEntry(r: OutboxRow): OutboxEntry {
	return {
		id: r.id,
		launch: r.launch,
		kind: r.kind,
		idempotencyKey: r.idempotency_key,
		contactId: r.contact_id,
		payload: JSON.parse(r.payload) as Record<string, unknown>,
		status: r.status as OutboxStatus,
		attempts: Number(r.attempts),
		maxAttempts: Number(r.max_attempts),
		nextAttemptAt: Number(r.next_attempt_at),
		leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
		claimedBy: r.claimed_by,
		lastError: r.last_error,
		responseId: r.response_id,
		seq: Number(r.seq),
		createdAt: Number(r.created_at),
		updatedAt: Number(r.updated_at),
	};
}

/** Rows per statement when many entries change at once (ids in an IN list, events in one INSERT). */
export const EVENT_CHUNK = 500;

export async function recordEventsChunked(tx: SqlExecutor, events: NewLedgerEvent[]): Promise<void> {
	for (let i = 0; i < events.length; i += EVENT_CHUNK) await recordEvents(tx, events.slice(i, i + EVENT_CHUNK));
}

/** Entries selected by ids (all listed must exist in the launch with one of `statuses`) or all of those statuses. */
export async function selectForChange(
	tx: SqlExecutor,
	launch: string,
	statuses: OutboxStatus[],
	select: { ids?: string[]; kinds?: string[] },
): Promise<{ id: string; contact_id: string | null; kind: string; status: string }[]> {
	const params: SqlValue[] = [launch];
	let sql = `SELECT id, contact_id, kind, status FROM outbox WHERE launch = $1 AND status IN (${inList(statuses, params)})`;
	if (select.ids) sql += ` AND id IN (${inList(select.ids, params)})`;
	if (select.kinds) sql += ` AND kind IN (${inList(select.kinds, params)})`;
	sql += ` ORDER BY seq${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`;
	const rows = await tx.query<{ id: string; contact_id: string | null; kind: string; status: string }>(sql, params);
	if (select.ids) {
		const found = new Set(rows.map((r) => r.id));
		const missing = select.ids.filter((id) => !found.has(id));
		if (missing.length) throw new LedgerInputError('ids', `no ${statuses.join('/')} entry ${missing.map((m) => `"${m}"`).join(', ')} in launch "${launch}"`);
	}
	return rows;
}

export async function updateByIds(tx: SqlExecutor, ids: readonly string[], set: string, setParams: SqlValue[]): Promise<void> {
	for (let i = 0; i < ids.length; i += EVENT_CHUNK) {
		const params = [...setParams];
		const chunk = ids.slice(i, i + EVENT_CHUNK);
		await tx.execute(`UPDATE outbox SET ${set} WHERE id IN (${inList(chunk, params)})`, params);
	}
}
