import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { COLUMNS, OUTBOX_STATUSES, recordEventsChunked, selectForChange, toEntry, updateByIds, type OutboxEntry, type OutboxRow, type OutboxStatus } from './entry';
import { idList, kindList, wholeNumber } from './input';

export interface ListOutboxInput {
	launch: string;
	statuses?: OutboxStatus[];
	kinds?: string[] | string;
	contactId?: string;
	/** Page: entries after this seq. */
	afterSeq?: number;
	/** 1–1000; 100 by default. */
	limit?: number;
}

export async function listOutboxEntries(tx: SqlExecutor, input: ListOutboxInput): Promise<OutboxEntry[]> {
	const params: SqlValue[] = [requiredText(input.launch, 'launch', 200)];
	let sql = `SELECT ${COLUMNS} FROM outbox WHERE launch = $1`;
	if (input.statuses?.length) {
		for (const [i, s] of input.statuses.entries()) {
			if (!OUTBOX_STATUSES.includes(s)) throw new LedgerInputError(`statuses[${i}]`, `must be one of ${OUTBOX_STATUSES.join(', ')}`);
		}
		sql += ` AND status IN (${inList(input.statuses, params)})`;
	}
	const kinds = kindList(input.kinds);
	if (kinds) sql += ` AND kind IN (${inList(kinds, params)})`;
	if (input.contactId) {
		params.push(input.contactId);
		sql += ` AND contact_id = $${params.length}`;
	}
	if (input.afterSeq !== undefined) {
		params.push(wholeNumber(input.afterSeq, 'afterSeq', 0, Number.MAX_SAFE_INTEGER));
		sql += ` AND seq > $${params.length}`;
	}
	params.push(wholeNumber(input.limit, 'limit', 1, 1000, 100));
	sql += ` ORDER BY seq LIMIT $${params.length}`;
	return (await tx.query<OutboxRow>(sql, params)).map(toEntry);
}

/** How many of the launch's entries have this status (one COUNT, no rows read). */
export async function countOutboxEntries(tx: SqlExecutor, launch: string, status: OutboxStatus): Promise<number> {
	const [row] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE launch = $1 AND status = $2', [launch, status]);
	return Number(row?.n ?? 0);
}

export async function getOutboxEntry(tx: SqlExecutor, id: string): Promise<OutboxEntry | null> {
	const [row] = await tx.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE id = $1`, [id]);
	return row ? toEntry(row) : null;
}

/** Puts dead entries back in the queue with a fresh set of attempts (last_error is kept until it succeeds). */
export async function requeueDeadEntries(
	tx: SqlExecutor,
	input: { launch: string; ids?: string[] | string; kinds?: string[] | string; source?: string; now?: number },
): Promise<{ requeued: string[] }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const now = input.now ?? Date.now();
	const rows = await selectForChange(tx, launch, ['dead'], { ids: idList(input.ids), kinds: kindList(input.kinds) });
	const ids = rows.map((r) => r.id);
	await updateByIds(tx, ids, `status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1`, [now]);
	await recordEventsChunked(
		tx,
		rows.map((r) => ({ launch, contactId: r.contact_id, type: 'outbox.requeued', source: input.source, data: { entryId: r.id, kind: r.kind }, at: now })),
	);
	return { requeued: ids };
}
