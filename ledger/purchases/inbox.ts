import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import { admitRefusal, bodyBytes, countRefusal, keptBody, wholeBody } from '../refusals';
import type { SqlExecutor, SqlValue } from '../store';
import { keptHeaders, PAYMENT_PROVIDERS, type HeaderBag, type PaymentProvider, type VerifyResult } from './verify';

/**
 * The durable inbox: every delivery is written before it is answered. A verified delivery is kept
 * whole (up to MAX_VERIFIED_BODY_BYTES); (launch, provider, event id) is unique, so a repeated
 * delivery — also many at the same moment — is stored once and reported as a duplicate. A refused
 * one (failed verification, no secret configured) is kept small — a prefix, its size and hash — and
 * only the first few per sender and window; the rest are counted (ledger/refusals.ts).
 */
export type InboxStatus = 'received' | 'processed' | 'ignored' | 'rejected';

export interface InboxEntry {
	id: string;
	launch: string;
	provider: PaymentProvider;
	eventId: string | null;
	eventType: string | null;
	/** The body as received; for a refused delivery only its first KEPT_PREFIX_BYTES bytes (see bodyCut). */
	rawBody: string;
	/** The whole body's size in bytes and SHA-256 (hex; null for deliveries kept before migration 25). */
	bodyBytes: number;
	bodySha256: string | null;
	/** true when rawBody is only a prefix of what was sent. */
	bodyCut: boolean;
	/** The client address the delivery came from, when known. */
	remoteAddress: string | null;
	headers: Record<string, string>;
	signatureOk: boolean;
	signatureReason: string | null;
	status: InboxStatus;
	attempts: number;
	contactId: string | null;
	decision: string | null;
	lastError: string | null;
	receivedAt: number;
	processedAt: number | null;
	/** When an unsigned delivery (Gumroad) was confirmed through the provider's API; null if not (yet). */
	confirmedAt: number | null;
	/**
	 * The provider's API could not confirm the sale yet (unreachable, token refused): the delivery waits
	 * for the provider's repeat, which tries again (see recordConfirmation).
	 */
	confirmationPending: boolean;
	/** Replays of this delivery that failed (see deferInboxReplay). */
	replayAttempts: number;
	/** Epoch ms before which a replay leaves it alone; null: due whenever it is unprocessed. */
	nextReplayAt: number | null;
}

export interface RecordDeliveryInput {
	launch: string;
	provider: PaymentProvider;
	rawBody: string | Buffer;
	headers: HeaderBag;
	verification: VerifyResult;
	/** The provider's event id; required for a verified delivery (it is what dedupes). */
	eventId?: string | null;
	eventType?: string | null;
	/** Set when the delivery verified but cannot be read (not JSON, no event id): stored as rejected. */
	rejectReason?: string;
	/** The client address: refusals are capped per provider and address. */
	remoteAddress?: string | null;
	receivedAt?: number;
}

export interface RecordDeliveryResult {
	/** The inbox entry; '' when a refused delivery was over its sender's cap and only counted (kept false). */
	id: string;
	/** false: a refused delivery past its sender's cap (ledger/refusals.ts), counted but not stored. */
	kept: boolean;
	/** true when this event id was already in the inbox: answer 200, do not process again. */
	duplicate: boolean;
	status: InboxStatus;
}

type InboxRow = {
	id: string;
	launch: string;
	provider: string;
	event_id: string | null;
	event_type: string | null;
	raw_body: string;
	body_bytes?: number | null;
	body_sha256?: string | null;
	body_cut?: number | null;
	remote_address?: string | null;
	headers: string;
	signature_ok: number;
	signature_reason: string | null;
	status: string;
	attempts: number;
	contact_id: string | null;
	decision: string | null;
	last_error: string | null;
	received_at: number;
	processed_at: number | null;
	confirmed_at: number | null;
	confirmation_pending?: number | null;
	replay_attempts?: number | null;
	next_replay_at?: number | null;
};

/**
 * A verified delivery larger than this is refused with 503 (the provider sends it again) and kept
 * small, never acknowledged and then cut. n8n's own limit (N8N_PAYLOAD_SIZE_MAX, 16 MiB by default)
 * refuses larger bodies before the trigger runs; real payment events are a few KB.
 */
export const MAX_VERIFIED_BODY_BYTES = 16 * 1024 * 1024;

function toEntry(r: InboxRow): InboxEntry {
	return {
		id: r.id,
		launch: r.launch,
		provider: r.provider as PaymentProvider,
		eventId: r.event_id,
		eventType: r.event_type,
		rawBody: r.raw_body,
		bodyBytes: r.body_bytes === null || r.body_bytes === undefined ? Buffer.byteLength(r.raw_body, 'utf8') : Number(r.body_bytes),
		bodySha256: r.body_sha256 ?? null,
		bodyCut: Number(r.body_cut ?? 0) === 1,
		remoteAddress: r.remote_address ?? null,
		headers: JSON.parse(r.headers) as Record<string, string>,
		signatureOk: Number(r.signature_ok) === 1,
		signatureReason: r.signature_reason,
		status: r.status as InboxStatus,
		attempts: Number(r.attempts),
		contactId: r.contact_id,
		decision: r.decision,
		lastError: r.last_error,
		receivedAt: Number(r.received_at),
		processedAt: r.processed_at === null ? null : Number(r.processed_at),
		confirmedAt: r.confirmed_at === null || r.confirmed_at === undefined ? null : Number(r.confirmed_at),
		confirmationPending: Number(r.confirmation_pending ?? 0) === 1,
		replayAttempts: Number(r.replay_attempts ?? 0),
		nextReplayAt: r.next_replay_at === null || r.next_replay_at === undefined ? null : Number(r.next_replay_at),
	};
}

export function validateProvider(provider: unknown): PaymentProvider {
	if (typeof provider !== 'string' || !(PAYMENT_PROVIDERS as readonly string[]).includes(provider)) {
		throw new LedgerInputError('provider', `must be one of ${PAYMENT_PROVIDERS.join(', ')}; got ${JSON.stringify(provider)}`);
	}
	return provider as PaymentProvider;
}

export function validateLaunch(launch: unknown): string {
	if (typeof launch !== 'string' || launch.trim() === '') throw new LedgerInputError('launch', 'is required, e.g. "default"');
	return launch.trim();
}

interface DeliveryFacts {
	launch: string;
	provider: PaymentProvider;
	eventId: string | null;
	verified: boolean;
	reason: string | null;
	now: number;
}

function deliveryFacts(input: RecordDeliveryInput): DeliveryFacts {
	const eventId = input.eventId?.trim() || null;
	const verified = input.verification.ok && !input.rejectReason && eventId !== null;
	const reason = input.verification.ok ? (input.rejectReason ?? (eventId ? null : 'missing_event_id')) : input.verification.reason;
	return { launch: validateLaunch(input.launch), provider: validateProvider(input.provider), eventId, verified, reason, now: input.receivedAt ?? Date.now() };
}

/**
 * Stores one delivery. A repeat of a verified event id only counts an attempt. A signed body is kept
 * whole (it is what Match and a replay read); a refused one is kept as a prefix with its size and
 * hash, and, past its sender's cap, only counted (id null).
 */
export async function recordDelivery(tx: SqlExecutor, input: RecordDeliveryInput): Promise<RecordDeliveryResult> {
	const f = deliveryFacts(input);
	const size = bodyBytes(input.rawBody);
	const whole = input.verification.ok && size <= MAX_VERIFIED_BODY_BYTES;
	const body = whole ? wholeBody(input.rawBody) : keptBody(input.rawBody);
	const remoteAddress = input.remoteAddress?.slice(0, 100) || null;
	// Only an unsigned sender is capped: a signed delivery comes from the provider, whoever relays it.
	if (!input.verification.ok) {
		const admitted = await admitRefusal(tx, { launch: f.launch, surface: 'purchase', source: `${f.provider}|${remoteAddress ?? 'unknown'}`, now: f.now });
		if (!admitted) {
			await countRefusal(tx, { launch: f.launch, surface: 'purchase', kind: f.provider, reason: f.reason ?? 'unknown', bytes: size, now: f.now });
			return { id: '', kept: false, duplicate: false, status: 'rejected' };
		}
	}
	const status: InboxStatus = f.verified ? 'received' : 'rejected';
	const id = randomUUID();
	// A rejected delivery's event id is the sender's claim, not a fact: it gets a key of its own.
	const dedupeKey = f.verified ? f.eventId! : `rejected:${id}`;
	const inserted = await tx.query<{ id: string }>(
		`INSERT INTO purchase_inbox (id, launch, provider, dedupe_key, event_id, event_type, raw_body, body_bytes, body_sha256, body_cut, remote_address, headers, signature_ok, signature_reason, status, attempts, received_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16)
		 ON CONFLICT (launch, provider, dedupe_key) DO NOTHING RETURNING id`,
		[
			id,
			f.launch,
			f.provider,
			dedupeKey,
			f.eventId,
			input.eventType ?? null,
			body.text,
			body.bytes,
			body.sha256,
			body.cut ? 1 : 0,
			remoteAddress,
			JSON.stringify(keptHeaders(input.headers)),
			input.verification.ok ? 1 : 0,
			f.reason,
			status,
			f.now,
		],
	);
	if (inserted.length > 0) {
		if (!f.verified) {
			const data = { inboxId: id, eventId: f.eventId, reason: f.reason, bytes: body.bytes };
			await recordEvent(tx, { launch: f.launch, contactId: null, type: 'purchase.webhook_rejected', source: `webhook:${f.provider}`, data, at: f.now });
		}
		return { id, kept: true, duplicate: false, status };
	}
	const [existing] = await tx.query<{ id: string; status: string }>(
		'UPDATE purchase_inbox SET attempts = attempts + 1 WHERE launch = $1 AND provider = $2 AND dedupe_key = $3 RETURNING id, status',
		[f.launch, f.provider, dedupeKey],
	);
	if (!existing) throw new Error(`inbox entry for ${f.provider} event ${f.eventId} vanished while being recorded`);
	return { id: existing.id, kept: true, duplicate: true, status: existing.status as InboxStatus };
}

export async function getInboxEntry(tx: SqlExecutor, id: string, options: { lock?: boolean } = {}): Promise<InboxEntry | null> {
	const lock = options.lock && tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const [row] = await tx.query<InboxRow>(`SELECT * FROM purchase_inbox WHERE id = $1${lock}`, [id]);
	return row ? toEntry(row) : null;
}

export interface InboxFilter {
	status?: InboxStatus;
	provider?: PaymentProvider;
	eventId?: string;
	/**
	 * Epoch ms: only entries received before it. With status "received", the deliveries whose run
	 * ended without processing them (the run failed or was stopped), ready to be processed again.
	 */
	receivedBefore?: number;
	/**
	 * false: leave out unsigned deliveries whose sale confirmation with the provider is still pending
	 * (the provider repeats those and the trigger confirms them then; processing one before would
	 * decide it unconfirmed for good).
	 */
	confirmationPending?: false;
	/** Epoch ms: leave out entries whose next replay (after a failed one) is due later than this. */
	dueForReplayAt?: number;
	limit?: number;
}

export async function listInbox(
	tx: SqlExecutor,
	launch: string,
	filter: InboxFilter = {},
): Promise<InboxEntry[]> {
	const params: SqlValue[] = [launch];
	let sql = 'SELECT * FROM purchase_inbox WHERE launch = $1';
	if (filter.receivedBefore !== undefined) {
		params.push(filter.receivedBefore);
		sql += ` AND received_at < $${params.length}`;
	}
	if (filter.dueForReplayAt !== undefined) {
		params.push(filter.dueForReplayAt);
		sql += ` AND (next_replay_at IS NULL OR next_replay_at <= $${params.length})`;
	}
	if (filter.confirmationPending === false) sql += ' AND confirmation_pending = 0';
	for (const [column, value] of [
		['status', filter.status],
		['provider', filter.provider],
		['event_id', filter.eventId],
	] as const) {
		if (value === undefined) continue;
		params.push(value);
		sql += ` AND ${column} = $${params.length}`;
	}
	params.push(Math.max(1, Math.min(filter.limit ?? 1000, 10_000)));
	sql += ` ORDER BY received_at, id LIMIT $${params.length}`;
	return (await tx.query<InboxRow>(sql, params)).map(toEntry);
}

/** The pause after the n-th failed replay: 10 minutes, doubling, at most 6 hours. */
export function replayPauseMs(failedReplays: number): number {
	return Math.min(10 * 60_000 * 2 ** Math.max(0, failedReplays - 1), 6 * 60 * 60_000);
}

/**
 * Records a failed replay of a still-received entry and when the next one is due. The entry stays
 * received — it is never given up, only tried less often. Returns the entry as it is now.
 */
export async function deferInboxReplay(tx: SqlExecutor, id: string, now: number): Promise<InboxEntry | null> {
	const [row] = await tx.query<{ replay_attempts: number }>("UPDATE purchase_inbox SET replay_attempts = replay_attempts + 1 WHERE id = $1 AND status = 'received' RETURNING replay_attempts", [id]);
	if (row) await tx.execute('UPDATE purchase_inbox SET next_replay_at = $2 WHERE id = $1', [id, now + replayPauseMs(Number(row.replay_attempts))]);
	return getInboxEntry(tx, id);
}

/** Marks a received entry as handled (processed / ignored), with what was decided. */
export async function finishInboxEntry(
	tx: SqlExecutor,
	id: string,
	outcome: { status: 'processed' | 'ignored'; contactId: string | null; decision: string; error?: string | null },
): Promise<void> {
	await tx.execute('UPDATE purchase_inbox SET status = $1, contact_id = $2, decision = $3, last_error = $4, processed_at = $5 WHERE id = $6', [
		outcome.status,
		outcome.contactId,
		outcome.decision,
		outcome.error ?? null,
		Date.now(),
		id,
	]);
}

/**
 * What the provider's API said about an unsigned delivery's sale: confirmed; not confirmed for good
 * (no such sale, another product, already refunded — `final`); or not reachable (`final: false`,
 * try again when the provider repeats the delivery).
 */
export type SaleConfirmation = { confirmed: true } | { confirmed: false; final: boolean; reason: string };

/** How `lastError` begins while a confirmation could not be obtained yet (for people; the state is `confirmationPending`). */
export const CONFIRMATION_PENDING = 'confirmation_unavailable';

/**
 * Records the outcome of confirming a received entry's sale. Confirmed: kept on the entry, so
 * processing it (now or in a replay) may grant. Not confirmed for good: the entry is ignored with the
 * reason and never processed. Not reachable: the entry stays received, marked pending with the error,
 * so the provider's repeat delivery tries again (replays leave it alone meanwhile); a sale already
 * confirmed stays confirmed. An entry that is no longer received is left as it is.
 */
export async function recordConfirmation(tx: SqlExecutor, id: string, outcome: SaleConfirmation, now = Date.now()): Promise<InboxEntry> {
	const entry = await getInboxEntry(tx, id, { lock: true });
	if (!entry) throw new LedgerInputError('inboxId', `no inbox entry has id "${id}"`);
	if (entry.status !== 'received') return entry;
	const data = { inboxId: id, eventId: entry.eventId, provider: entry.provider };
	if (outcome.confirmed) {
		await tx.execute('UPDATE purchase_inbox SET confirmed_at = COALESCE(confirmed_at, $1), confirmation_pending = 0, last_error = NULL WHERE id = $2', [now, id]);
		await recordEvent(tx, { launch: entry.launch, contactId: null, type: 'purchase.sale_confirmed', source: `webhook:${entry.provider}`, data, at: now });
	} else if (outcome.final) {
		await tx.execute("UPDATE purchase_inbox SET status = 'ignored', decision = 'not_confirmed', confirmation_pending = 0, last_error = $1, processed_at = $2 WHERE id = $3", [
			outcome.reason.slice(0, 2000),
			now,
			id,
		]);
		await recordEvent(tx, { launch: entry.launch, contactId: null, type: 'purchase.not_confirmed', source: `webhook:${entry.provider}`, data: { ...data, reason: outcome.reason }, at: now });
	} else {
		await tx.execute('UPDATE purchase_inbox SET last_error = $1, confirmation_pending = $2 WHERE id = $3', [
			`${CONFIRMATION_PENDING}: ${outcome.reason}`.slice(0, 2000),
			entry.confirmedAt === null ? 1 : 0,
			id,
		]);
	}
	return (await getInboxEntry(tx, id))!;
}
