import { servedLaunches } from '../checklist/routing';
import { inList, type SqlExecutor, type SqlValue } from '../store';

const LOOKUP_CHUNK = 500;

/**
 * A drain settles what it claimed under its own launch; the entries of its open checklist runs'
 * test launches (which its claim hands out too: checklist/routing.ts `servedLaunches`) are settled
 * in their own launch, so each keeps its own events and checks. Entries of any other launch stay
 * with the caller's launch, where they are "not found" as before. Without an open run this is one
 * indexed look-up and the settle runs exactly as it did.
 */
export async function settleByServedLaunch<P, R>(tx: SqlExecutor, launch: string, proofs: readonly P[], settle: (launch: string, proofs: P[]) => Promise<R[]>): Promise<R[]> {
	const served = await servedLaunches(tx, launch);
	if (served.length === 1 || proofs.length === 0) return settle(launch, [...proofs]);
	const idOf = (p: P): string | null => {
		const id = (p as { id?: unknown } | null)?.id;
		return typeof id === 'string' ? id : null;
	};
	const ids = [...new Set(proofs.map(idOf).filter((id): id is string => id !== null))];
	const launchOfId = new Map<string, string>();
	for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
		const params: SqlValue[] = [];
		const rows = await tx.query<{ id: string; launch: string }>(`SELECT id, launch FROM outbox WHERE id IN (${inList(ids.slice(i, i + LOOKUP_CHUNK), params)})`, params);
		for (const r of rows) if (served.includes(r.launch)) launchOfId.set(r.id, r.launch);
	}
	const groups = new Map<string, number[]>();
	proofs.forEach((p, i) => {
		const target = launchOfId.get(idOf(p) ?? '') ?? launch;
		groups.set(target, [...(groups.get(target) ?? []), i]);
	});
	const results = new Array<R>(proofs.length);
	for (const [target, positions] of groups) {
		const settled = await settle(target, positions.map((i) => proofs[i]!));
		positions.forEach((position, k) => (results[position] = settled[k]!));
	}
	return results;
}
