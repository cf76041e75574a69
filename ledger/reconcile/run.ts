import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../errors';
import type { SqlExecutor, Store } from '../store';
import type { RecordStream, SweepInput, SystemReport, VendorSystem } from './types';

/** Per-run state that must outlive a batch: counters and the next finding number. */
export class SweepRun {
	readonly id = randomUUID();
	findingSeq = 0;
	fixes = 0;
	healed = 0;
	registry = new Set<string>();
	constructor(
		readonly launch: string,
		readonly source: string,
		/** Per system: when its list was fetched (ms). */
		readonly listedAt: Record<VendorSystem, number>,
	) {}
}

const SYSTEMS: readonly VendorSystem[] = ['esp', 'crm', 'checkout', 'delivery'];
// Clocks of the fetching machine and this one may differ a little; a list "fetched" further in the
// future than this is a wrong value (seconds instead of milliseconds, a date typo), not skew.
const LISTED_AT_SKEW_MS = 60_000;

export function listedAtOf(input: SweepInput['listedAt'], startedAt: number): Record<VendorSystem, number> {
	const times = {} as Record<VendorSystem, number>;
	const given: Partial<Record<VendorSystem, unknown>> =
		input === undefined || input === null ? {} : typeof input === 'object' ? input : Object.fromEntries(SYSTEMS.map((s) => [s, input]));
	for (const system of SYSTEMS) {
		const value = given[system];
		if (value === undefined || value === null) {
			times[system] = startedAt;
			continue;
		}
		const field = typeof input === 'object' ? `listedAt.${system}` : 'listedAt';
		if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new LedgerInputError(field, 'must be a time in milliseconds since 1970 (e.g. Date.now() when the list was fetched)');
		if (value > startedAt + LISTED_AT_SKEW_MS) throw new LedgerInputError(field, `is ${new Date(value).toISOString()}, later than now: pass when the list was fetched`);
		times[system] = Math.min(value, startedAt);
	}
	return times;
}

export function emptyReport(): SystemReport {
	return { records: 0, invalid: 0, duplicates: 0, unknownInLedger: 0, missingInVendor: 0, tagDrift: 0, grants: 0, revokes: 0, review: 0, changedSinceListed: 0 };
}

export async function* batches<T>(stream: RecordStream<T>, size: number): AsyncGenerator<T[]> {
	let batch: T[] = [];
	for await (const record of stream) {
		batch.push(record);
		if (batch.length >= size) {
			yield batch;
			batch = [];
		}
	}
	if (batch.length) yield batch;
}

/**
 * PostgreSQL plans the sweep's IN-list lookups as index scans only when it knows the tables' sizes;
 * right after a bulk import (or for the staging table, always) it does not, and a sequential scan
 * per batch makes the sweep quadratic. ANALYZE samples a bounded number of rows, so it is cheap.
 */
export async function refreshPlannerStatistics(store: Store, tables: string[]): Promise<void> {
	if (store.dialect !== 'postgres') return;
	// Only an optimization: a database user that may not ANALYZE still gets a correct (slower) sweep.
	for (const table of tables) await store.execute(`ANALYZE ${table}`).catch(() => undefined);
}

/**
 * One batch's transaction. On PostgreSQL it first changes two settings for this transaction only
 * (SET LOCAL; the pool's other work keeps the server's settings), in one round trip:
 *
 * - random_page_cost = 1.1. A batch looks up to 1000 keys at once (IN lists on identifiers,
 *   contacts, contact_tags, reconcile_seen, outbox); with the default cost of 4 — tuned for spinning
 *   disks — the planner prices 1000 index probes above one pass over a 100k-row table and scans the
 *   whole table for every batch, so the sweep grows with the square of the contacts (measured: a
 *   sequential scan of identifiers, 25–100 ms per batch at 100k, against 6–9 ms by index). 1.1 is
 *   the usual value for SSDs and cached data; it only changes plans, never results.
 * - synchronous_commit = off. The batch's COMMIT returns without waiting for its WAL to reach the
 *   disk (one fsync per batch was ~5 ms here, a fifth of a 100k sweep). Nothing is weakened at the
 *   end: the sweep returns only after its run row is updated in an ordinary (synchronous) commit,
 *   which flushes the WAL of every batch before it; so does any transaction that acts on a batch's
 *   work (an outbox claim is a synchronous commit). A server crash during the sweep can lose its
 *   last batches (≤ 3 × wal_writer_delay of commits) together with the sweep itself, which then
 *   never reports them; the next sweep finds the same differences again.
 */
export async function batchTransaction<T>(store: Store, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
	return store.transaction(async (tx) => {
		// No parameters: sent as one simple query, both settings in one round trip.
		if (tx.dialect === 'postgres') await tx.execute('SET LOCAL random_page_cost = 1.1; SET LOCAL synchronous_commit = off');
		return work(tx);
	});
}
