import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { applySystemTag, HOLDING_TAG, removeSystemTag } from '../system-tags';

/** What a vendor must be asked to do. One outbox for all of them, so one sweep can replay all. */
export type OutboxKind = 'grant' | 'revoke' | 'esp_sync' | 'crm_sync' | 'tag_sync' | 'delivery_sync' | (string & {});

/**
 * pending → claimed → done; claimed → failed (retry later) → claimed …; → dead after the last attempt.
 * held: decided while the kill switch was on; released to pending on resume, or discarded by a person.
 */
export type OutboxStatus = 'pending' | 'claimed' | 'failed' | 'done' | 'dead' | 'held' | 'discarded';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'claimed', 'failed', 'done', 'dead', 'held', 'discarded'];

/** Which kinds a paused launch holds back: grants only, or every vendor call. */
export type PauseScope = 'grants' | 'all';
const GRANT_KINDS = ['grant'];

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_RETRY_BASE_MS = 30_000;
export const DEFAULT_RETRY_MAX_MS = 60 * 60_000;
const MAX_CLAIM_BATCH = 1000;
const EVENT_CHUNK = 500;

export interface EnqueueOutboxInput {
	launch: string;
	kind: OutboxKind;
	/** Unique per launch: enqueueing the same key twice keeps one entry (the first). */
	idempotencyKey: string;
	contactId?: string | null;
	payload?: object;
	/** Earliest time to attempt it (epoch ms); now by default. */
	availableAt?: number;
	/** Attempts before the entry is dead-lettered; 8 by default. */
	maxAttempts?: number;
	source?: string;
}

export interface EnqueueOutboxResult {
	id: string;
	/** false when an entry with this idempotency key already existed. */
	created: boolean;
	/** The entry's status now: `held` when the launch's kill switch holds this kind. */
	status: OutboxStatus;
}

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
}

type OutboxRow = {
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

const COLUMNS =
	'id, launch, kind, idempotency_key, contact_id, payload, status, attempts, max_attempts, next_attempt_at, lease_until, claimed_by, claim_token, last_error, response_id, seq, created_at, updated_at';

function toEntry(r: OutboxRow): OutboxEntry {
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

// ── input checks ────────────────────────────────────────────────────────────────────────────────

function requiredText(value: unknown, field: string, max = 500): string {
	if (typeof value !== 'string' || value.trim() === '') throw new LedgerInputError(field, 'is required');
	if (value.length > max) throw new LedgerInputError(field, `is longer than ${max} characters`);
	return value.trim();
}

function wholeNumber(value: unknown, field: string, min: number, max: number, fallback?: number): number {
	if ((value === undefined || value === null || value === '') && fallback !== undefined) return fallback;
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
		throw new LedgerInputError(field, `must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`);
	}
	return n;
}

function kindList(kinds: unknown, field = 'kinds'): string[] | undefined {
	if (kinds === undefined || kinds === null || kinds === '') return undefined;
	const list = typeof kinds === 'string' ? kinds.split(',').map((k) => k.trim()).filter(Boolean) : kinds;
	if (!Array.isArray(list)) throw new LedgerInputError(field, 'must be a list of kinds such as ["grant", "esp_sync"]');
	const out = list.map((k, i) => requiredText(k, `${field}[${i}]`, 100));
	return out.length ? out : undefined;
}

async function recordEventsChunked(tx: SqlExecutor, events: NewLedgerEvent[]): Promise<void> {
	for (let i = 0; i < events.length; i += EVENT_CHUNK) await recordEvents(tx, events.slice(i, i + EVENT_CHUNK));
}

// ── kill switch state ───────────────────────────────────────────────────────────────────────────

export interface PauseState {
	paused: boolean;
	scope: PauseScope | null;
	pausedBy: string | null;
	reason: string | null;
	pausedAt: number | null;
}

export async function getPauseState(tx: SqlExecutor, launch: string): Promise<PauseState> {
	const [row] = await tx.query<{ scope: string | null; paused_by: string | null; reason: string | null; paused_at: number | null }>(
		'SELECT scope, paused_by, reason, paused_at FROM outbox_switches WHERE launch = $1',
		[launch],
	);
	if (!row?.scope) return { paused: false, scope: null, pausedBy: null, reason: null, pausedAt: null };
	return { paused: true, scope: row.scope as PauseScope, pausedBy: row.paused_by, reason: row.reason, pausedAt: row.paused_at === null ? null : Number(row.paused_at) };
}

function holdsKind(scope: PauseScope | null, kind: string): boolean {
	return scope === 'all' || (scope === 'grants' && GRANT_KINDS.includes(kind));
}

// ── enqueue ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Adds an entry, inside the caller's transaction, so the decision and the work it implies commit
 * together or not at all. The unique (launch, idempotency_key) makes a repeat a no-op. While the
 * launch's kill switch holds this kind, the entry is `held` and its contact joins the holding segment.
 */
export async function enqueueOutboxEntry(tx: SqlExecutor, input: EnqueueOutboxInput): Promise<EnqueueOutboxResult> {
	const [result] = await enqueueOutboxEntries(tx, [input]);
	return result!;
}

/** Rows per multi-row INSERT: 10 parameters each, well under both databases' parameter limits. */
const ENQUEUE_CHUNK = 500;

/**
 * enqueueOutboxEntry for several inputs, with the same result per input as calling it for each in
 * order (a repeated key — in the ledger or earlier in the list — is `created: false` with the
 * existing entry), in a few statements instead of two per input: one kill-switch read per launch,
 * one multi-row INSERT … ON CONFLICT DO NOTHING, one read of the entries that already existed. Every
 * input is validated before anything is written.
 */
export async function enqueueOutboxEntries(tx: SqlExecutor, inputs: readonly EnqueueOutboxInput[]): Promise<EnqueueOutboxResult[]> {
	const now = Date.now();
	const rows = inputs.map((input) => {
		const launch = requiredText(input.launch, 'launch', 200);
		const kind = requiredText(input.kind, 'kind', 100);
		const idempotencyKey = requiredText(input.idempotencyKey, 'idempotencyKey');
		const maxAttempts = wholeNumber(input.maxAttempts, 'maxAttempts', 1, 100, DEFAULT_MAX_ATTEMPTS);
		if (input.payload !== undefined && (typeof input.payload !== 'object' || input.payload === null || Array.isArray(input.payload))) {
			throw new LedgerInputError('payload', 'must be an object (JSON such as {"productId": "course"})');
		}
		return { input, launch, kind, idempotencyKey, maxAttempts, id: randomUUID(), status: 'pending' as OutboxStatus, scope: null as PauseScope | null };
	});
	const scopes = new Map<string, PauseScope | null>();
	for (const row of rows) {
		if (!scopes.has(row.launch)) scopes.set(row.launch, (await getPauseState(tx, row.launch)).scope);
		row.scope = scopes.get(row.launch)!;
		if (holdsKind(row.scope, row.kind)) row.status = 'held';
	}
	const inserted = new Set<string>();
	for (let i = 0; i < rows.length; i += ENQUEUE_CHUNK) {
		const params: SqlValue[] = [];
		const values = rows.slice(i, i + ENQUEUE_CHUNK).map((r) => {
			const at = r.input.availableAt ?? now;
			const list = inList([r.id, r.launch, r.kind, r.idempotencyKey, r.input.contactId ?? null, JSON.stringify(r.input.payload ?? {}), r.status, r.maxAttempts, at, now], params);
			// attempts 0; updated_at = created_at (the last parameter again)
			return `(${list}, 0, $${params.length})`;
		});
		// Rows are inserted in list order, so of two inputs with one key the first is created.
		const returned = await tx.query<{ id: string }>(
			`INSERT INTO outbox (id, launch, kind, idempotency_key, contact_id, payload, status, max_attempts, next_attempt_at, created_at, attempts, updated_at)
			 VALUES ${values.join(', ')}
			 ON CONFLICT (launch, idempotency_key) DO NOTHING
			 RETURNING id`,
			params,
		);
		for (const r of returned) inserted.add(r.id);
	}
	const results: EnqueueOutboxResult[] = [];
	const existing = await existingEntries(tx, rows.filter((r) => !inserted.has(r.id)));
	for (const row of rows) {
		if (inserted.has(row.id)) {
			if (row.status === 'held') {
				const { input } = row;
				await recordEvents(tx, [{ launch: row.launch, contactId: input.contactId ?? null, type: 'outbox.held', source: input.source, data: { entryId: row.id, kind: row.kind, idempotencyKey: row.idempotencyKey, scope: row.scope }, at: now }]);
				if (input.contactId) await applySystemTag(tx, { launch: row.launch, contactIds: [input.contactId], tag: HOLDING_TAG, kind: 'segment', source: 'kill-switch' });
			}
			results.push({ id: row.id, created: true, status: row.status });
			continue;
		}
		const found = existing.get(`${row.launch}\u0000${row.idempotencyKey}`);
		if (!found) throw new Error(`outbox entry ${row.idempotencyKey} vanished during enqueue`);
		results.push({ id: found.id, created: false, status: found.status as OutboxStatus });
	}
	return results;
}

/** The entries holding these (launch, idempotency key) pairs, by launch + NUL + key. */
async function existingEntries(tx: SqlExecutor, rows: readonly { launch: string; idempotencyKey: string }[]): Promise<Map<string, { id: string; status: string }>> {
	const found = new Map<string, { id: string; status: string }>();
	const byLaunch = new Map<string, string[]>();
	for (const r of rows) (byLaunch.get(r.launch) ?? byLaunch.set(r.launch, []).get(r.launch)!).push(r.idempotencyKey);
	for (const [launch, keys] of byLaunch) {
		const unique = [...new Set(keys)];
		for (let i = 0; i < unique.length; i += ENQUEUE_CHUNK) {
			const params: SqlValue[] = [launch];
			const list = inList(unique.slice(i, i + ENQUEUE_CHUNK), params);
			const entries = await tx.query<{ id: string; status: string; idempotency_key: string }>(
				`SELECT id, status, idempotency_key FROM outbox WHERE launch = $1 AND idempotency_key IN (${list})`,
				params,
			);
			for (const e of entries) found.set(`${launch}\u0000${e.idempotency_key}`, { id: e.id, status: e.status });
		}
	}
	return found;
}

// ── claim ───────────────────────────────────────────────────────────────────────────────────────

export interface ClaimOutboxInput {
	launch: string;
	/** Only these kinds (e.g. ["esp_sync"] for a drain that talks to the ESP); all kinds by default. */
	kinds?: string[] | string;
	/** How many entries at most (1–1000): one vendor batch call's worth. */
	limit: number;
	/** How long the claim holds (ms, 1 s – 24 h). After it, another worker may claim the entry again. */
	leaseMs: number;
	/** Who claims, for the record (an n8n execution id, a host name …). */
	workerId: string;
	/** The current time (epoch ms); for tests and clock control. */
	now?: number;
	/** Only these entries (e.g. the sync entries a signup just created, claimed by its own run). */
	ids?: readonly string[];
}

/**
 * Hands out due entries — pending, failed and due for retry, or claimed with an expired lease — each
 * with a fresh claim token. PostgreSQL: the rows are locked with FOR UPDATE SKIP LOCKED inside this
 * transaction, so parallel claimers pass over each other's rows instead of taking them twice.
 * SQLite: the transaction is BEGIN IMMEDIATE, so claimers run one after another.
 * A claimed entry's next_attempt_at is its lease end, so "due" is one condition for both cases.
 */
export async function claimDueOutboxEntries(tx: SqlExecutor, input: ClaimOutboxInput): Promise<ClaimedOutboxEntry[]> {
	const launch = requiredText(input.launch, 'launch', 200);
	const limit = wholeNumber(input.limit, 'limit', 1, MAX_CLAIM_BATCH);
	const leaseMs = wholeNumber(input.leaseMs, 'leaseMs', 1000, 86_400_000);
	const workerId = requiredText(input.workerId, 'workerId', 200);
	const kinds = kindList(input.kinds);
	const now = input.now ?? Date.now();

	const { scope } = await getPauseState(tx, launch);
	const params: SqlValue[] = [launch, now];
	let filter = `launch = $1 AND status IN ('pending', 'failed', 'claimed') AND next_attempt_at <= $2`;
	if (kinds) filter += ` AND kind IN (${inList(kinds, params)})`;
	if (input.ids) filter += input.ids.length ? ` AND id IN (${inList([...input.ids], params)})` : ' AND 1 = 0';
	// While paused, only entries a person released by hand pass the switch.
	if (scope === 'all') filter += ' AND pause_exempt = 1';
	else if (scope === 'grants') filter += ` AND (pause_exempt = 1 OR kind NOT IN (${inList(GRANT_KINDS, params)}))`;

	await deadLetterExhaustedLeases(tx, launch, filter, params, now);

	const token = randomUUID();
	const leaseUntil = now + leaseMs;
	const at = params.length;
	params.push(token, workerId, leaseUntil, limit);
	const assignments = `status = 'claimed', claim_token = $${at + 1}, claimed_by = $${at + 2}, lease_until = $${at + 3},
		next_attempt_at = $${at + 3}, attempts = attempts + 1, updated_at = $2`;
	const rows =
		tx.dialect === 'postgres'
			? await tx.query<OutboxRow>(
					`WITH due AS MATERIALIZED (
						SELECT id FROM outbox WHERE ${filter} ORDER BY next_attempt_at, seq LIMIT $${at + 4} FOR UPDATE SKIP LOCKED
					)
					UPDATE outbox SET ${assignments} FROM due WHERE outbox.id = due.id
					RETURNING ${COLUMNS.split(', ').map((c) => `outbox.${c}`).join(', ')}`,
					params,
				)
			: await tx.query<OutboxRow>(
					`UPDATE outbox SET ${assignments}
					 WHERE id IN (SELECT id FROM outbox WHERE ${filter} ORDER BY next_attempt_at, seq LIMIT $${at + 4})
					 RETURNING ${COLUMNS}`,
					params,
				);
	return rows
		.map((r) => ({ ...toEntry(r), claimToken: token, leaseUntil }))
		.sort((a, b) => a.seq - b.seq);
}

/** An entry whose lease ran out on its last attempt is not handed out again: it goes to the dead letter. */
async function deadLetterExhaustedLeases(tx: SqlExecutor, launch: string, filter: string, filterParams: SqlValue[], now: number): Promise<void> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
	const rows = await tx.query<{ id: string; contact_id: string | null; kind: string; attempts: number; claimed_by: string | null }>(
		`UPDATE outbox SET status = 'dead', claim_token = NULL, lease_until = NULL, updated_at = $${filterParams.length + 1},
			last_error = 'lease expired on the last attempt (' || COALESCE(claimed_by, 'unknown worker') || ' neither acked nor failed it)'
		 WHERE id IN (SELECT id FROM outbox WHERE ${filter} AND status = 'claimed' AND attempts >= max_attempts${lock})
		 RETURNING id, contact_id, kind, attempts, claimed_by`,
		[...filterParams, now],
	);
	await recordEventsChunked(
		tx,
		rows.map((r) => ({
			launch,
			contactId: r.contact_id,
			type: 'outbox.dead',
			source: 'outbox',
			data: { entryId: r.id, kind: r.kind, attempts: Number(r.attempts), reason: 'lease expired on the last attempt', claimedBy: r.claimed_by },
			at: now,
		})),
	);
}

// ── ack / fail / release ────────────────────────────────────────────────────────────────────────

export interface ClaimProof {
	id: string;
	claimToken: string;
}

/**
 * done: completed now. already_done: it was completed before (by this or another holder).
 * lease_lost: another worker claimed it after this lease expired, or it was released — this claim
 * no longer counts. not_found: no such entry in this launch.
 */
export type SettleOutcome = 'done' | 'already_done' | 'lease_lost' | 'not_found';

export interface AckResult {
	id: string;
	outcome: SettleOutcome;
}

function proofOf(input: ClaimProof, field: string): ClaimProof {
	if (!input || typeof input !== 'object') throw new LedgerInputError(field, 'must be {id, claimToken} from a claimed entry');
	return { id: requiredText(input.id, `${field}.id`, 100), claimToken: requiredText(input.claimToken, `${field}.claimToken`, 100) };
}

async function settleFailure(tx: SqlExecutor, launch: string, id: string): Promise<SettleOutcome> {
	const [row] = await tx.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1 AND launch = $2', [id, launch]);
	if (!row) return 'not_found';
	return row.status === 'done' ? 'already_done' : 'lease_lost';
}

/**
 * Marks claimed entries done with the vendor's response id. Only the current lease holder's token
 * counts: a worker whose lease expired and was re-claimed by another gets `lease_lost`, so an entry
 * is completed once. (The vendor call itself may then have run twice — which is why the entry's
 * idempotency key goes to the vendor.)
 */
export async function ackOutboxEntries(
	tx: SqlExecutor,
	launch: string,
	acks: readonly (ClaimProof & { responseId?: string | null })[],
	options: { now?: number } = {},
): Promise<AckResult[]> {
	const now = options.now ?? Date.now();
	// Every proof is checked before anything is written.
	const proofs = acks.map((ack, i) => ({
		...proofOf(ack, `entries[${i}]`),
		responseId: ack.responseId === undefined || ack.responseId === null || ack.responseId === '' ? null : String(ack.responseId),
	}));
	// One UPDATE per chunk for the first ack of each entry (3 parameters per ack).
	const seen = new Set<string>();
	const firstOfEntry = proofs.filter((p) => !seen.has(p.id) && seen.add(p.id));
	const done = new Set<string>();
	for (let i = 0; i < firstOfEntry.length; i += SETTLE_CHUNK) {
		const params: SqlValue[] = [launch, now];
		const values = firstOfEntry.slice(i, i + SETTLE_CHUNK).map((p) => `(${inList([p.id, p.claimToken, p.responseId], params)})`);
		const rows = await tx.query<{ id: string }>(
			`WITH v(id, claim_token, response_id) AS (VALUES ${values.join(', ')})
			 UPDATE outbox SET status = 'done', response_id = v.response_id, claim_token = NULL, lease_until = NULL, updated_at = $2
			 FROM v
			 WHERE outbox.id = v.id AND outbox.launch = $1 AND outbox.claim_token = v.claim_token AND outbox.status = 'claimed'
			 RETURNING outbox.id`,
			params,
		);
		for (const r of rows) done.add(r.id);
	}
	const results: AckResult[] = [];
	for (const proof of proofs) {
		if (done.delete(proof.id)) {
			results.push({ id: proof.id, outcome: 'done' });
			continue;
		}
		// Not settled above (another holder, already done, unknown — or a repeat of an entry in this
		// list): the one-entry statement, in list order, gives exactly the one-by-one outcome.
		const n = await tx.execute(
			`UPDATE outbox SET status = 'done', response_id = $4, claim_token = NULL, lease_until = NULL, updated_at = $5
			 WHERE id = $1 AND launch = $2 AND claim_token = $3 AND status = 'claimed'`,
			[proof.id, launch, proof.claimToken, proof.responseId, now],
		);
		results.push({ id: proof.id, outcome: n === 1 ? 'done' : await settleFailure(tx, launch, proof.id) });
	}
	return results;
}

/** Acks per UPDATE statement. */
const SETTLE_CHUNK = 500;

export interface FailOutboxInput extends ClaimProof {
	/** What went wrong (kept as last_error; shown in the dead letter). */
	error: string;
	/** The vendor's Retry-After: seconds ("120", 120) or an HTTP date. Wins over the backoff. */
	retryAfter?: string | number | null;
	/** No point retrying (e.g. 400 Bad Request): dead-letter at once. */
	permanent?: boolean;
}

export interface FailResult {
	id: string;
	outcome: 'retry' | 'dead' | Exclude<SettleOutcome, 'done'>;
	attempts?: number;
	nextAttemptAt?: number;
}

export interface RetryPolicy {
	/** First retry delay (ms); doubles per attempt. */
	baseDelayMs?: number;
	/** Longest backoff delay (ms). */
	maxDelayMs?: number;
	/** Source of jitter in [0, 1); Math.random by default. */
	random?: () => number;
}

/**
 * Backoff before the next attempt after `attempts` tries: base·2^(attempts−1), capped, with "equal
 * jitter" (half fixed, half random) so a burst of failures does not come back as a burst.
 */
export function outboxRetryDelay(attempts: number, policy: RetryPolicy = {}): number {
	const base = policy.baseDelayMs ?? DEFAULT_RETRY_BASE_MS;
	const cap = policy.maxDelayMs ?? DEFAULT_RETRY_MAX_MS;
	const exp = Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
	return Math.round(exp / 2 + (policy.random ?? Math.random)() * (exp / 2));
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110). null when absent.
 * A date in the past means "now" (0).
 */
export function parseRetryAfter(value: unknown, now = Date.now(), field = 'retryAfter'): number | null {
	if (value === undefined || value === null || value === '') return null;
	if (typeof value === 'number') {
		if (!Number.isFinite(value) || value < 0) throw new LedgerInputError(field, `must be seconds (0 or more) or an HTTP date; got ${value}`);
		return Math.round(value * 1000);
	}
	if (typeof value !== 'string') throw new LedgerInputError(field, 'must be seconds or an HTTP date such as "Wed, 21 Oct 2026 07:28:00 GMT"');
	const text = value.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const at = Date.parse(text);
	if (Number.isNaN(at)) throw new LedgerInputError(field, `must be seconds or an HTTP date such as "Wed, 21 Oct 2026 07:28:00 GMT"; got ${JSON.stringify(value)}`);
	return Math.max(0, at - now);
}

/**
 * Records a failed attempt. The entry is retried after the vendor's Retry-After (plus up to 10 %
 * jitter, never less) or after the backoff; after its last attempt, or when `permanent`, it is dead.
 */
export async function failOutboxEntries(
	tx: SqlExecutor,
	launch: string,
	failures: readonly FailOutboxInput[],
	options: RetryPolicy & { now?: number; source?: string } = {},
): Promise<FailResult[]> {
	const now = options.now ?? Date.now();
	const random = options.random ?? Math.random;
	const results: FailResult[] = [];
	const events: NewLedgerEvent[] = [];
	for (const [i, failure] of failures.entries()) {
		const proof = proofOf(failure, `entries[${i}]`);
		const error = typeof failure.error === 'string' && failure.error.trim() !== '' ? failure.error.trim().slice(0, 4000) : 'failed without a message';
		const retryAfterMs = parseRetryAfter(failure.retryAfter, now, `entries[${i}].retryAfter`);
		const [row] = await tx.query<{ attempts: number; max_attempts: number; contact_id: string | null; kind: string }>(
			`SELECT attempts, max_attempts, contact_id, kind FROM outbox WHERE id = $1 AND launch = $2 AND claim_token = $3 AND status = 'claimed'${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
			[proof.id, launch, proof.claimToken],
		);
		if (!row) {
			const outcome = await settleFailure(tx, launch, proof.id);
			results.push({ id: proof.id, outcome: outcome === 'already_done' ? 'already_done' : outcome === 'not_found' ? 'not_found' : 'lease_lost' });
			continue;
		}
		const attempts = Number(row.attempts);
		if (failure.permanent || attempts >= Number(row.max_attempts)) {
			await tx.execute(
				`UPDATE outbox SET status = 'dead', last_error = $2, claim_token = NULL, lease_until = NULL, updated_at = $3 WHERE id = $1`,
				[proof.id, error, now],
			);
			events.push({
				launch,
				contactId: row.contact_id,
				type: 'outbox.dead',
				source: options.source,
				data: { entryId: proof.id, kind: row.kind, attempts, error, reason: failure.permanent ? 'permanent failure' : 'last attempt failed' },
				at: now,
			});
			results.push({ id: proof.id, outcome: 'dead', attempts });
			continue;
		}
		const delay = retryAfterMs !== null ? retryAfterMs + Math.round(random() * retryAfterMs * 0.1) : outboxRetryDelay(attempts, { ...options, random });
		const nextAttemptAt = now + delay;
		await tx.execute(
			`UPDATE outbox SET status = 'failed', last_error = $2, next_attempt_at = $3, claim_token = NULL, lease_until = NULL, updated_at = $4 WHERE id = $1`,
			[proof.id, error, nextAttemptAt, now],
		);
		results.push({ id: proof.id, outcome: 'retry', attempts, nextAttemptAt });
	}
	await recordEventsChunked(tx, events);
	return results;
}

/**
 * Gives claimed entries back without counting an attempt (the worker did not get to them), due
 * again after `delayMs`.
 */
export async function releaseOutboxEntries(
	tx: SqlExecutor,
	launch: string,
	releases: readonly (ClaimProof & { delayMs?: number })[],
	options: { delayMs?: number; now?: number } = {},
): Promise<AckResult[]> {
	const now = options.now ?? Date.now();
	const defaultDelay = wholeNumber(options.delayMs, 'delayMs', 0, 86_400_000, 0);
	const results: AckResult[] = [];
	for (const [i, release] of releases.entries()) {
		const proof = proofOf(release, `entries[${i}]`);
		const delay = wholeNumber(release.delayMs, `entries[${i}].delayMs`, 0, 86_400_000, defaultDelay);
		const n = await tx.execute(
			`UPDATE outbox SET status = CASE WHEN attempts > 1 THEN 'failed' ELSE 'pending' END, attempts = attempts - 1,
				next_attempt_at = $4, claim_token = NULL, lease_until = NULL, updated_at = $5
			 WHERE id = $1 AND launch = $2 AND claim_token = $3 AND status = 'claimed'`,
			[proof.id, launch, proof.claimToken, now + delay, now],
		);
		results.push({ id: proof.id, outcome: n === 1 ? 'done' : await settleFailure(tx, launch, proof.id) });
	}
	return results;
}

// ── listing and the dead letter ─────────────────────────────────────────────────────────────────

export interface ListOutboxInput {
	launch: string;
	statuses?: OutboxStatus[];
	kinds?: string[] | string;
	contactId?: string;
	/** Page: entries after this seq. */
	afterSeq?: number;
	/** 1–1000; 100 by default. */
	limit?: number;
}

export async function listOutboxEntries(tx: SqlExecutor, input: ListOutboxInput): Promise<OutboxEntry[]> {
	const params: SqlValue[] = [requiredText(input.launch, 'launch', 200)];
	let sql = `SELECT ${COLUMNS} FROM outbox WHERE launch = $1`;
	if (input.statuses?.length) {
		for (const [i, s] of input.statuses.entries()) {
			if (!OUTBOX_STATUSES.includes(s)) throw new LedgerInputError(`statuses[${i}]`, `must be one of ${OUTBOX_STATUSES.join(', ')}`);
		}
		sql += ` AND status IN (${inList(input.statuses, params)})`;
	}
	const kinds = kindList(input.kinds);
	if (kinds) sql += ` AND kind IN (${inList(kinds, params)})`;
	if (input.contactId) {
		params.push(input.contactId);
		sql += ` AND contact_id = $${params.length}`;
	}
	if (input.afterSeq !== undefined) {
		params.push(wholeNumber(input.afterSeq, 'afterSeq', 0, Number.MAX_SAFE_INTEGER));
		sql += ` AND seq > $${params.length}`;
	}
	params.push(wholeNumber(input.limit, 'limit', 1, 1000, 100));
	sql += ` ORDER BY seq LIMIT $${params.length}`;
	return (await tx.query<OutboxRow>(sql, params)).map(toEntry);
}

export async function getOutboxEntry(tx: SqlExecutor, id: string): Promise<OutboxEntry | null> {
	const [row] = await tx.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE id = $1`, [id]);
	return row ? toEntry(row) : null;
}

function idList(ids: unknown, field = 'ids'): string[] | undefined {
	if (ids === undefined || ids === null) return undefined;
	const list = typeof ids === 'string' ? ids.split(',').map((s) => s.trim()).filter(Boolean) : ids;
	if (!Array.isArray(list)) throw new LedgerInputError(field, 'must be a list of entry ids');
	return list.map((id, i) => requiredText(id, `${field}[${i}]`, 100));
}

/** Entries selected by ids (all listed must exist in the launch with one of `statuses`) or all of those statuses. */
async function selectForChange(
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

async function updateByIds(tx: SqlExecutor, ids: readonly string[], set: string, setParams: SqlValue[]): Promise<void> {
	for (let i = 0; i < ids.length; i += EVENT_CHUNK) {
		const params = [...setParams];
		const chunk = ids.slice(i, i + EVENT_CHUNK);
		await tx.execute(`UPDATE outbox SET ${set} WHERE id IN (${inList(chunk, params)})`, params);
	}
}

/** Puts dead entries back in the queue with a fresh set of attempts (last_error is kept until it succeeds). */
export async function requeueDeadEntries(
	tx: SqlExecutor,
	input: { launch: string; ids?: string[] | string; kinds?: string[] | string; source?: string; now?: number },
): Promise<{ requeued: string[] }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const now = input.now ?? Date.now();
	const rows = await selectForChange(tx, launch, ['dead'], { ids: idList(input.ids), kinds: kindList(input.kinds) });
	const ids = rows.map((r) => r.id);
	await updateByIds(tx, ids, `status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1`, [now]);
	await recordEventsChunked(
		tx,
		rows.map((r) => ({ launch, contactId: r.contact_id, type: 'outbox.requeued', source: input.source, data: { entryId: r.id, kind: r.kind }, at: now })),
	);
	return { requeued: ids };
}

// ── kill switch ─────────────────────────────────────────────────────────────────────────────────

export interface PauseInput {
	launch: string;
	/** grants (default): hold access grants only; all: hold every vendor call. */
	scope?: PauseScope;
	/** Who pressed it (a name or email); recorded on the event. */
	by: string;
	reason: string;
	source?: string;
	now?: number;
}

/**
 * Turns the kill switch on. From now on claims do not hand out the paused kinds, new entries of those
 * kinds are `held`, and entries already waiting are moved to `held` too — each held entry's contact
 * joins the holding segment (tag `access-on-hold`). Entries already claimed finish normally.
 */
export async function pauseOutbox(tx: SqlExecutor, input: PauseInput): Promise<{ state: PauseState; heldNow: number }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const scope = input.scope ?? 'grants';
	if (scope !== 'grants' && scope !== 'all') throw new LedgerInputError('scope', 'must be "grants" or "all"');
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 2000);
	const now = input.now ?? Date.now();
	const before = await getPauseState(tx, launch);
	await tx.execute(
		`INSERT INTO outbox_switches (launch, scope, paused_by, reason, paused_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
		 ON CONFLICT (launch) DO UPDATE SET scope = excluded.scope, paused_by = excluded.paused_by, reason = excluded.reason,
			paused_at = excluded.paused_at, updated_at = excluded.updated_at`,
		[launch, scope, by, reason, now],
	);
	const params: SqlValue[] = [launch, now];
	const kindFilter = scope === 'all' ? '' : ` AND kind IN (${inList(GRANT_KINDS, params)})`;
	const held = await tx.query<{ id: string; contact_id: string | null }>(
		`UPDATE outbox SET status = 'held', updated_at = $2 WHERE launch = $1 AND status IN ('pending', 'failed') AND pause_exempt = 0${kindFilter}
		 RETURNING id, contact_id`,
		params,
	);
	await recordEventsChunked(tx, [
		{ launch, contactId: null, type: 'outbox.paused', source: input.source, data: { scope, by, reason, heldNow: held.length, before: before.scope }, at: now },
		...held.map((h) => ({ launch, contactId: h.contact_id, type: 'outbox.held', source: input.source, data: { entryId: h.id, scope }, at: now })),
	]);
	const contactIds = held.map((h) => h.contact_id).filter((c): c is string => c !== null);
	await applySystemTag(tx, { launch, contactIds, tag: HOLDING_TAG, kind: 'segment', source: 'kill-switch' });
	return { state: await getPauseState(tx, launch), heldNow: held.length };
}

/** Releases held entries to pending (due now, so claims take them in their original order). */
async function releaseHeld(tx: SqlExecutor, launch: string, rows: { id: string; contact_id: string | null }[], now: number, exempt: boolean, source?: string): Promise<void> {
	await updateByIds(tx, rows.map((r) => r.id), `status = 'pending', next_attempt_at = $1, updated_at = $1${exempt ? ', pause_exempt = 1' : ''}`, [now]);
	await untagWhenNothingHeld(tx, launch, rows, source);
}

async function untagWhenNothingHeld(tx: SqlExecutor, launch: string, rows: { contact_id: string | null }[], source?: string): Promise<void> {
	const contacts = [...new Set(rows.map((r) => r.contact_id).filter((c): c is string => c !== null))];
	const stillHeld = new Set<string>();
	for (let i = 0; i < contacts.length; i += EVENT_CHUNK) {
		const params: SqlValue[] = [launch];
		const chunk = contacts.slice(i, i + EVENT_CHUNK);
		const held = await tx.query<{ contact_id: string }>(
			`SELECT DISTINCT contact_id FROM outbox WHERE launch = $1 AND status = 'held' AND contact_id IN (${inList(chunk, params)})`,
			params,
		);
		for (const h of held) stillHeld.add(h.contact_id);
	}
	await removeSystemTag(tx, { launch, contactIds: contacts.filter((c) => !stillHeld.has(c)), tag: HOLDING_TAG, source: source ?? 'kill-switch' });
}

/** Turns the kill switch off and releases every held entry, in the order they were created. */
export async function resumeOutbox(
	tx: SqlExecutor,
	input: { launch: string; by: string; reason: string; source?: string; now?: number },
): Promise<{ released: number; wasPaused: boolean }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 2000);
	const now = input.now ?? Date.now();
	const before = await getPauseState(tx, launch);
	await tx.execute(
		`INSERT INTO outbox_switches (launch, scope, paused_by, reason, paused_at, updated_at) VALUES ($1, NULL, $2, $3, NULL, $4)
		 ON CONFLICT (launch) DO UPDATE SET scope = NULL, paused_by = excluded.paused_by, reason = excluded.reason, paused_at = NULL, updated_at = excluded.updated_at`,
		[launch, by, reason, now],
	);
	const rows = await selectForChange(tx, launch, ['held'], {});
	await releaseHeld(tx, launch, rows, now, false, input.source);
	await tx.execute(`UPDATE outbox SET pause_exempt = 0 WHERE launch = $1 AND pause_exempt = 1`, [launch]);
	await recordEventsChunked(tx, [
		{ launch, contactId: null, type: 'outbox.resumed', source: input.source, data: { by, reason, released: rows.length, before: before.scope }, at: now },
		...rows.map((r) => ({ launch, contactId: r.contact_id, type: 'outbox.released', source: input.source, data: { entryId: r.id, kind: r.kind, by }, at: now })),
	]);
	return { released: rows.length, wasPaused: before.paused };
}

/** A person lets single held entries through (even while paused), or throws them away. */
export async function settleHeldEntries(
	tx: SqlExecutor,
	input: { launch: string; ids: string[] | string; action: 'release' | 'discard'; by: string; reason: string; source?: string; now?: number },
): Promise<{ ids: string[] }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const ids = idList(input.ids);
	if (!ids?.length) throw new LedgerInputError('ids', 'name at least one held entry');
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 2000);
	const now = input.now ?? Date.now();
	const rows = await selectForChange(tx, launch, ['held'], { ids });
	if (input.action === 'release') {
		await releaseHeld(tx, launch, rows, now, true, input.source);
	} else {
		await updateByIds(tx, ids, `status = 'discarded', updated_at = $1`, [now]);
		await untagWhenNothingHeld(tx, launch, rows, input.source);
	}
	await recordEventsChunked(
		tx,
		rows.map((r) => ({
			launch,
			contactId: r.contact_id,
			type: input.action === 'release' ? 'outbox.released' : 'outbox.discarded',
			source: input.source,
			data: { entryId: r.id, kind: r.kind, by, reason },
			at: now,
		})),
	);
	return { ids: rows.map((r) => r.id) };
}

// ── health ──────────────────────────────────────────────────────────────────────────────────────

export interface OutboxHealth {
	launch: string;
	byStatus: Record<OutboxStatus, number>;
	/** pending or failed entries whose time has come. */
	dueNow: number;
	/** Claimed entries whose lease ran out: their worker stopped. The next claim takes them again. */
	expiredLeases: number;
	/** Age (ms) of the oldest due entry; 0 when none. */
	oldestDueMs: number;
	pause: PauseState;
}

export async function outboxHealth(tx: SqlExecutor, launch: string, now = Date.now()): Promise<OutboxHealth> {
	const rows = await tx.query<{ status: string; n: number; due: number; oldest: number | null }>(
		`SELECT status, COUNT(*) AS n, SUM(CASE WHEN next_attempt_at <= $2 THEN 1 ELSE 0 END) AS due, MIN(next_attempt_at) AS oldest
		 FROM outbox WHERE launch = $1 GROUP BY status`,
		[launch, now],
	);
	const byStatus = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
	let dueNow = 0;
	let expiredLeases = 0;
	let oldest = Infinity;
	for (const r of rows) {
		byStatus[r.status as OutboxStatus] = Number(r.n);
		const due = Number(r.due ?? 0);
		if (r.status === 'pending' || r.status === 'failed') {
			dueNow += due;
			if (due > 0 && r.oldest !== null) oldest = Math.min(oldest, Number(r.oldest));
		}
		if (r.status === 'claimed') expiredLeases += due;
	}
	return { launch, byStatus, dueNow, expiredLeases, oldestDueMs: oldest === Infinity ? 0 : Math.max(0, now - oldest), pause: await getPauseState(tx, launch) };
}
