import { randomUUID } from 'node:crypto';

import type { SqlExecutor } from './store';

/** What a vendor must be asked to do. One outbox for all of them, so one sweep can replay all. */
export type OutboxKind = 'grant' | 'revoke' | 'esp_sync' | 'crm_sync' | 'tag_sync' | 'delivery_sync' | (string & {});

export interface EnqueueOutboxInput {
	launch: string;
	kind: OutboxKind;
	/** Unique per launch: enqueueing the same key twice keeps one entry (the first). */
	idempotencyKey: string;
	contactId?: string | null;
	payload?: object;
	/** Earliest time to attempt it (epoch ms); now by default. */
	availableAt?: number;
}

export interface EnqueueOutboxResult {
	id: string;
	/** false when an entry with this idempotency key already existed. */
	created: boolean;
}

/**
 * Adds an entry, inside the caller's transaction, so the decision and the work it implies commit
 * together or not at all. The unique (launch, idempotency_key) makes a repeat a no-op.
 */
export async function enqueueOutboxEntry(tx: SqlExecutor, input: EnqueueOutboxInput): Promise<EnqueueOutboxResult> {
	const now = Date.now();
	const id = randomUUID();
	const inserted = await tx.query<{ id: string }>(
		`INSERT INTO outbox (id, launch, kind, idempotency_key, contact_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $8)
		 ON CONFLICT (launch, idempotency_key) DO NOTHING
		 RETURNING id`,
		[id, input.launch, input.kind, input.idempotencyKey, input.contactId ?? null, JSON.stringify(input.payload ?? {}), input.availableAt ?? now, now],
	);
	if (inserted.length === 1) return { id, created: true };
	const [existing] = await tx.query<{ id: string }>('SELECT id FROM outbox WHERE launch = $1 AND idempotency_key = $2', [
		input.launch,
		input.idempotencyKey,
	]);
	if (!existing) throw new Error(`outbox entry ${input.idempotencyKey} vanished during enqueue`);
	return { id: existing.id, created: false };
}
