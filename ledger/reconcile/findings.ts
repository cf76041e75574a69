import { forgottenValuesAmong } from '../contacts/tombstones';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import type { SweepRun } from './run';
import type { SweepFinding, VendorSystem } from './types';

/** A finding before it is numbered: what the sweep found, per record or contact. */
export type Finding = Omit<SweepFinding, 'seq'>;

/**
 * A vendor's record of a forgotten person (the ESP still has them, an old order names them) is
 * reported without the email, as "forgotten_person": delete it at the vendor; the ledger keeps nothing of it.
 */
async function withoutForgotten(tx: SqlExecutor, launch: string, findings: Finding[]): Promise<Finding[]> {
	const emails = findings.map((f) => f.data.email).filter((e): e is string => typeof e === 'string');
	const forgotten = await forgottenValuesAmong(tx, launch, 'email', [...new Set(emails)]);
	if (forgotten.size === 0) return findings;
	return findings.map((f) =>
		typeof f.data.email === 'string' && forgotten.has(f.data.email)
			? { kind: 'forgotten_person', system: f.system, contactId: null, data: { was: f.kind, id: f.data.id ?? null, productId: f.data.productId ?? null } }
			: f,
	);
}

export async function writeFindings(tx: SqlExecutor, run: SweepRun, found: Finding[]): Promise<void> {
	const findings = await withoutForgotten(tx, run.launch, found);
	const now = Date.now();
	for (let i = 0; i < findings.length; i += 500) {
		const params: SqlValue[] = [];
		const rows = findings.slice(i, i + 500).map((f) => {
			run.findingSeq++;
			return `(${inList([run.id, run.findingSeq, run.launch, f.kind, f.system, f.contactId, JSON.stringify(f.data), now], params)})`;
		});
		await tx.execute(`INSERT INTO reconcile_findings (run_id, seq, launch, kind, system, contact_id, data, created_at) VALUES ${rows.join(', ')}`, params);
	}
}

/** A run's findings, in the order found; page with afterSeq. */
export async function listSweepFindings(
	tx: SqlExecutor,
	runId: string,
	options: { kinds?: string[]; afterSeq?: number; limit?: number } = {},
): Promise<SweepFinding[]> {
	const params: SqlValue[] = [runId, options.afterSeq ?? 0];
	let sql = 'SELECT seq, kind, system, contact_id, data FROM reconcile_findings WHERE run_id = $1 AND seq > $2';
	if (options.kinds?.length) sql += ` AND kind IN (${inList(options.kinds, params)})`;
	params.push(Math.min(Math.max(1, options.limit ?? 1000), 10_000));
	sql += ` ORDER BY seq LIMIT $${params.length}`;
	const rows = await tx.query<{ seq: number; kind: string; system: string | null; contact_id: string | null; data: string }>(sql, params);
	return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, system: r.system as VendorSystem | null, contactId: r.contact_id, data: JSON.parse(r.data) as Record<string, unknown> }));
}
