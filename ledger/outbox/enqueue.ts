import { randomUUID } from 'node:crypto';

import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { applySystemTag, HOLDING_TAG } from '../system-tags';
import type { OutboxKind, OutboxStatus } from './entry';
import { wholeNumber } from './input';
import { awaitingConfirmation, kindAwaitsConfirmation } from '../optin/rules';
import { getPauseState, holdsKind, type PauseScope } from './kill-switch';
import { contactsWithoutEmail, EMAIL_KINDS, waitingEntry } from './waiting';

export const DEFAULT_MAX_ATTEMPTS = 8;

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

/**
 * Adds an entry, inside the caller's transaction, so the decision and the work it implies commit
 * together or not at all. The unique (launch, idempotency_key) makes a repeat a no-op. While the
 * launch's kill switch holds this kind, the entry is `held` and its contact joins the holding segment.
 */
/**
 * Nothing is sent about a forgotten person: an entry naming a forgotten contact (a workflow's own
 * grant or sync, with whatever payload it carries) is refused before anything is written.
 */
export async function refuseForgottenContacts(tx: SqlExecutor, inputs: readonly EnqueueOutboxInput[]): Promise<void> {
	const ids = [...new Set(inputs.map((i) => i.contactId).filter((id): id is string => typeof id === 'string' && id !== ''))];
	if (ids.length === 0) return;
	const params: SqlValue[] = [];
	const [row] = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE status = 'forgotten' AND id IN (${inList(ids, params)}) LIMIT 1`, params);
	if (row) throw new LedgerInputError('contactId', `contact ${row.id} was forgotten: nothing is sent about them`);
}

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
	await awaitConfirmation(tx, rows);
	const joined = await waitForEmail(tx, rows);
	const toInsert = rows.filter((r) => !joined.has(r.id));
	const inserted = new Set<string>();
	for (let i = 0; i < toInsert.length; i += ENQUEUE_CHUNK) {
		const params: SqlValue[] = [];
		const values = toInsert.slice(i, i + ENQUEUE_CHUNK).map((r) => {
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
	const existing = await existingEntries(tx, toInsert.filter((r) => !inserted.has(r.id)));
	for (const row of rows) {
		const waiting = joined.get(row.id);
		if (waiting) {
			results.push({ id: waiting, created: false, status: 'waiting' });
			continue;
		}
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

/**
 * Entries that need an email (EMAIL_KINDS) for a contact without one wait instead of going out (see
 * waiting.ts); one waiting entry per contact and kind is enough, so a second joins the first. Sets
 * `status` on the waiting rows; returns the joined rows (row id → the waiting entry's id).
 */
async function waitForEmail(tx: SqlExecutor, rows: Array<{ id: string; launch: string; kind: string; input: EnqueueOutboxInput; status: OutboxStatus }>): Promise<Map<string, string>> {
	const joined = new Map<string, string>();
	const candidates = rows.filter((r) => EMAIL_KINDS.includes(r.kind) && r.input.contactId && r.status !== 'unconfirmed');
	if (candidates.length === 0) return joined;
	const noEmail = await contactsWithoutEmail(tx, candidates.map((r) => r.input.contactId!));
	for (const row of candidates) {
		if (!noEmail.has(row.input.contactId!)) continue;
		const existing = await waitingEntry(tx, row.launch, row.input.contactId!, row.kind);
		if (existing) joined.set(row.id, existing.id);
		else row.status = 'waiting';
	}
	return joined;
}

/**
 * Syncs of a person who has not confirmed their address yet (double opt-in) wait, status
 * `unconfirmed`, until they do (optin/confirm.ts releases them). Sets `status` on those rows.
 */
async function awaitConfirmation(tx: SqlExecutor, rows: Array<{ launch: string; kind: string; input: EnqueueOutboxInput; status: OutboxStatus }>): Promise<void> {
	const byLaunch = new Map<string, string[]>();
	for (const r of rows) if (r.input.contactId) (byLaunch.get(r.launch) ?? byLaunch.set(r.launch, []).get(r.launch)!).push(r.input.contactId);
	for (const [launch, contactIds] of byLaunch) {
		const waiting = await awaitingConfirmation(tx, launch, contactIds);
		if (waiting.size === 0) continue;
		for (const r of rows) {
			const sentBy = r.launch === launch && r.input.contactId ? waiting.get(r.input.contactId) : undefined;
			if (sentBy && kindAwaitsConfirmation(r.kind, sentBy)) r.status = 'unconfirmed';
		}
	}
}
