import { createHash } from 'node:crypto';

import type { SqlExecutor } from './store';

/**
 * What the ledger keeps of a refused request (a payment delivery that failed verification, a signup
 * the capture trigger refused), and how many it keeps. Anyone can post to a public webhook, so a
 * refusal must not cost the ledger what the sender chose to send: each kept refusal holds a prefix
 * of the body plus its SHA-256 and byte size, and only the first REFUSALS_KEPT_PER_SOURCE refusals
 * per source (provider + client address, or client address) per REFUSAL_WINDOW_MS are kept as rows;
 * the rest only add to a counter row per minute, which the launch monitor reads.
 */

/** Bytes of a refused body kept: enough to see what was sent (a signup, an event's id and type). */
export const KEPT_PREFIX_BYTES = 2048;
/**
 * Refusals kept as rows per source and window; beyond that they are counted. Generous for people
 * behind one address (an office, a proxy without N8N_PROXY_HOPS); a flood keeps at most
 * 30 × 2 KB per address per 10 minutes.
 */
export const REFUSALS_KEPT_PER_SOURCE = 30;
export const REFUSAL_WINDOW_MS = 10 * 60_000;
/** Counter rows are per minute, so the monitor attributes refusals that were not kept to its windows. */
export const REFUSAL_COUNT_BUCKET_MS = 60_000;
/** A source's window rows are kept this long (they say which address was throttled), then pruned. */
const WINDOW_ROWS_KEPT_MS = 24 * 60 * 60_000;

export type RefusalSurface = 'purchase' | 'capture';

export interface KeptBody {
	/** The first KEPT_PREFIX_BYTES bytes (cut at a character boundary), or all of it. */
	text: string;
	bytes: number;
	sha256: string;
	/** true when `text` is a prefix of a longer body. */
	cut: boolean;
}

const asBuffer = (body: string | Buffer): Buffer => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body);

/** Byte size of a body as received. */
export const bodyBytes = (body: string | Buffer): number => (typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length);

const sha256 = (buffer: Buffer | string): string => createHash('sha256').update(buffer).digest('hex');

/**
 * A body kept whole (a verified payment delivery), with its size and hash. A raw NUL byte makes it
 * neither JSON nor a form (it is answered unreadable); PostgreSQL text cannot hold one, so it is
 * kept as U+FFFD — the hash is of the bytes as received.
 */
export function wholeBody(body: string | Buffer): KeptBody {
	const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/\0/g, '\uFFFD');
	return { text, bytes: bodyBytes(body), sha256: sha256(body), cut: false };
}

/** The whole body's size and hash, and at most `maxBytes` of it as text. */
export function keptBody(body: string | Buffer, maxBytes = KEPT_PREFIX_BYTES): KeptBody {
	const buffer = asBuffer(body);
	let end = Math.min(buffer.length, maxBytes);
	// Step back over UTF-8 continuation bytes so the prefix ends on a whole character.
	if (end < buffer.length) while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end--;
	// PostgreSQL text cannot hold NUL; a refused body is evidence, not data to replay.
	const text = buffer.subarray(0, end).toString('utf8').replace(/\0/g, '\uFFFD');
	return { text, bytes: buffer.length, sha256: sha256(buffer), cut: end < buffer.length };
}

export interface RefusalSource {
	launch: string;
	surface: RefusalSurface;
	/** Who sent it: "<provider>|<client address>" for payments, the client address for signups. */
	source: string;
	now: number;
}

/**
 * Counts one refusal against its source's window and says whether it may be kept as a row (one of
 * the first REFUSALS_KEPT_PER_SOURCE). One upsert: concurrent refusals from one source are counted
 * exactly, so no burst gets more rows than the cap.
 */
export async function admitRefusal(tx: SqlExecutor, s: RefusalSource): Promise<boolean> {
	const windowStart = s.now - (s.now % REFUSAL_WINDOW_MS);
	const source = s.source.slice(0, 200);
	const [row] = await tx.query<{ seen: number }>(
		`INSERT INTO refusal_windows (launch, surface, source, window_start, seen) VALUES ($1, $2, $3, $4, 1)
		 ON CONFLICT (launch, surface, source, window_start) DO UPDATE SET seen = refusal_windows.seen + 1 RETURNING seen`,
		[s.launch, s.surface, source, windowStart],
	);
	const seen = Number(row?.seen ?? 1);
	if (seen === 1) {
		await tx.execute('DELETE FROM refusal_windows WHERE launch = $1 AND surface = $2 AND source = $3 AND window_start < $4', [s.launch, s.surface, source, s.now - WINDOW_ROWS_KEPT_MS]);
	}
	return seen <= REFUSALS_KEPT_PER_SOURCE;
}

/** Adds a refusal that was not kept to its minute's counter: by kind (the provider, or '' for signups) and reason, with its bytes. */
export async function countRefusal(tx: SqlExecutor, r: { launch: string; surface: RefusalSurface; kind: string; reason: string; bytes: number; now: number }): Promise<void> {
	await tx.execute(
		`INSERT INTO refusal_counts (launch, surface, bucket, kind, reason, refused, bytes) VALUES ($1, $2, $3, $4, $5, 1, $6)
		 ON CONFLICT (launch, surface, bucket, kind, reason) DO UPDATE SET refused = refusal_counts.refused + 1, bytes = refusal_counts.bytes + excluded.bytes`,
		[r.launch, r.surface, r.now - (r.now % REFUSAL_COUNT_BUCKET_MS), r.kind, r.reason.slice(0, 200), r.bytes],
	);
}
