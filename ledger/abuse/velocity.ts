import type { SqlExecutor } from '../store';
import { abuseKeyHash, type AbuseSignal } from './rules';

/** Counter rows older than this are pruned as signups come in (a window is at most a day). */
const KEPT_MS = 24 * 60 * 60_000;
/** Old rows pruned per signup: enough to keep up, small enough to stay cheap. */
const PRUNE_BATCH = 50;

/**
 * Counts one signup for a key in its fixed window and returns its place in that window (1 for the
 * first). The database does the counting (an upsert returning the new count), so signups arriving at
 * once through several workers each get a different place and the N+1st is flagged exactly once.
 * Windows are fixed (aligned to the window length), so a burst across a boundary is counted in two.
 */
export async function countInWindow(
	tx: SqlExecutor,
	input: { launch: string; signal: AbuseSignal; key: string; secret: string; windowMs: number; now: number },
): Promise<number> {
	const windowStart = input.now - (input.now % input.windowMs);
	const [row] = await tx.query<{ signups: number }>(
		`INSERT INTO abuse_counters (launch, signal, key_hash, window_start, signups) VALUES ($1, $2, $3, $4, 1)
		 ON CONFLICT (launch, signal, key_hash, window_start) DO UPDATE SET signups = abuse_counters.signups + 1
		 RETURNING signups`,
		[input.launch, input.signal, abuseKeyHash(input.secret, input.signal, input.key), windowStart],
	);
	return Number(row!.signups);
}

/** Drops a few counter rows older than a day; rows another transaction holds are left for later. */
export async function pruneCounters(tx: SqlExecutor, launch: string, now: number): Promise<void> {
	const skipLocked = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
	await tx.execute(
		`DELETE FROM abuse_counters WHERE (launch, signal, key_hash, window_start) IN (
			SELECT launch, signal, key_hash, window_start FROM abuse_counters WHERE launch = $1 AND window_start < $2 LIMIT ${PRUNE_BATCH}${skipLocked})`,
		[launch, now - KEPT_MS],
	);
}
