import { LedgerInputError } from '../errors';
import { normalizeEmail } from '../normalize';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import type { SweepRun } from './run';
import type { VendorSystem } from './types';

/**
 * Active contacts by normalized email, for one batch: one join per 1000 emails (a default batch is
 * one), the identifiers' primary key then the contacts' (the sweep refreshes the planner's statistics
 * and lowers random_page_cost for its batches, so PostgreSQL keeps this a nested loop of index lookups).
 */
export async function contactsByEmail(tx: SqlExecutor, launch: string, emails: readonly string[]): Promise<Map<string, string>> {
	const byEmail = new Map<string, string>();
	const unique = [...new Set(emails)];
	for (let i = 0; i < unique.length; i += 1000) {
		const params: SqlValue[] = [launch];
		const rows = await tx.query<{ value: string; contact_id: string }>(
			`SELECT i.value, i.contact_id FROM identifiers i JOIN contacts c ON c.id = i.contact_id
			 WHERE i.launch = $1 AND i.kind = 'email' AND i.value IN (${inList(unique.slice(i, i + 1000), params)}) AND c.status = 'active'`,
			params,
		);
		for (const r of rows) byEmail.set(r.value, r.contact_id);
	}
	return byEmail;
}

/** Marks keys as seen; returns how many times each key of the batch is a duplicate. */
export async function markSeen(tx: SqlExecutor, run: SweepRun, system: VendorSystem, rows: { key: string; contactId: string | null }[]): Promise<Map<string, number>> {
	const duplicates = new Map<string, number>();
	if (rows.length === 0) return duplicates;
	const inserted = new Set<string>();
	// 1000 rows (2,002 parameters) per statement: a default batch is one insert.
	for (let i = 0; i < rows.length; i += 1000) {
		const params: SqlValue[] = [run.id, system];
		const values = rows.slice(i, i + 1000).map((r) => `($1, $2, ${inList([r.key, r.contactId], params)})`);
		const result = await tx.query<{ record_key: string }>(
			`INSERT INTO reconcile_seen (run_id, system, record_key, contact_id) VALUES ${values.join(', ')}
			 ON CONFLICT (run_id, system, record_key) DO NOTHING RETURNING record_key`,
			params,
		);
		for (const r of result) inserted.add(r.record_key);
	}
	const counted = new Map<string, number>();
	for (const r of rows) counted.set(r.key, (counted.get(r.key) ?? 0) + 1);
	for (const [key, n] of counted) {
		const extra = inserted.has(key) ? n - 1 : n;
		if (extra > 0) duplicates.set(key, extra);
	}
	return duplicates;
}

export function readEmail(raw: unknown): string | null {
	try {
		return normalizeEmail(raw).value;
	} catch (error) {
		if (error instanceof LedgerInputError) return null;
		throw error;
	}
}
