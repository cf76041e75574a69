import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';

/**
 * Every record a checklist run created — a test contact in the ledger, a subscriber at Kit, a contact
 * at HubSpot, an enrollment at the delivery platform — kept so Clean Up can remove each one and say
 * which it could not.
 */
export interface ChecklistRecord {
	runId: string;
	/** Where it lives: "ledger", "kit", "hubspot", "delivery", "stripe" … */
	system: string;
	/** What it is there: "contact", "subscriber", "enrollment" … */
	kind: string;
	/** The id that system knows it by (an email address where that is the key). */
	recordId: string;
	label: string | null;
	createdAt: number;
	/** removed: gone; not_removable: the vendor's API cannot remove it (the note says what to do); null: still there. */
	removal: 'removed' | 'not_removable' | null;
	removedAt: number | null;
	note: string | null;
}

export interface RecordInput {
	runId: string;
	system: string;
	kind: string;
	recordId: string;
	label?: string | null;
	now?: number;
}

type RecordRow = { run_id: string; system: string; kind: string; record_id: string; label: string | null; created_at: number | string; removed_at: number | string | null; removal: string | null; note: string | null };

const recordOf = (r: RecordRow): ChecklistRecord => ({
	runId: r.run_id,
	system: r.system,
	kind: r.kind,
	recordId: r.record_id,
	label: r.label,
	createdAt: Number(r.created_at),
	removal: r.removal as ChecklistRecord['removal'],
	removedAt: r.removed_at === null ? null : Number(r.removed_at),
	note: r.note,
});

function keyOf(input: { system: unknown; kind: unknown; recordId: unknown }): [string, string, string] {
	const system = requiredText(input.system, 'system', 50).toLowerCase();
	if (!/^[a-z0-9_-]+$/.test(system)) throw new LedgerInputError('system', `must be a short name like "kit" or "hubspot"; got "${system}"`);
	return [system, requiredText(input.kind, 'kind', 50), requiredText(input.recordId, 'recordId', 300)];
}

/** Notes a created record; noting it again changes nothing. */
export async function noteRecord(tx: SqlExecutor, input: RecordInput): Promise<void> {
	const [system, kind, recordId] = keyOf(input);
	const label = input.label == null ? null : requiredText(input.label, 'label', 500);
	await tx.execute(
		`INSERT INTO checklist_records (run_id, system, kind, record_id, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (run_id, system, kind, record_id) DO NOTHING`,
		[input.runId, system, kind, recordId, label, input.now ?? Date.now()],
	);
}

export interface RemovalInput {
	runId: string;
	system: string;
	kind: string;
	recordId: string;
	removal: 'removed' | 'not_removable';
	note?: string | null;
	now?: number;
}

/** Records what Clean Up did with one record. */
export async function noteRemoval(tx: SqlExecutor, input: RemovalInput): Promise<boolean> {
	const [system, kind, recordId] = keyOf(input);
	if (input.removal !== 'removed' && input.removal !== 'not_removable') throw new LedgerInputError('removal', 'must be "removed" or "not_removable"');
	const note = input.note == null ? null : requiredText(input.note, 'note', 2000);
	if (input.removal === 'not_removable' && !note) throw new LedgerInputError('note', 'is required when a record cannot be removed: say what the creator should do');
	const changed = await tx.execute(
		`UPDATE checklist_records SET removal = $5, removed_at = $6, note = $7 WHERE run_id = $1 AND system = $2 AND kind = $3 AND record_id = $4`,
		[input.runId, system, kind, recordId, input.removal, input.now ?? Date.now(), note],
	);
	return changed > 0;
}

export async function listRecords(tx: SqlExecutor, runId: string): Promise<ChecklistRecord[]> {
	const rows = await tx.query<RecordRow>(
		'SELECT run_id, system, kind, record_id, label, created_at, removed_at, removal, note FROM checklist_records WHERE run_id = $1 ORDER BY seq',
		[runId],
	);
	return rows.map(recordOf);
}
