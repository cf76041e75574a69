import { LedgerInputError } from '../errors';
import type { Dialect, SqlExecutor, SqlValue } from '../store';
import { markBehind, markMove, markReferralFields, markWholeLine } from './field-marks';
import { lineCountChanges, lineKey, LINE_FANOUT, LINE_KEY_MAX, LINE_KEY_OFFSET, LINE_LEVELS, lineScore } from './line-key';

/** How many places one credited referral moves a person up when the launch sets nothing. */
export const DEFAULT_SPOTS_PER_REFERRAL = 1;

export interface LineSettings {
	nextNumber: number;
	spotsPerReferral: number;
}

export interface LineEntry {
	contactId: string;
	number: number;
	credits: number;
	score: number;
}

/**
 * Locks the launch's line (its settings row) for the rest of the transaction. Every change to a line
 * takes this lock first, so writers of one launch queue here instead of deadlocking on count rows.
 * Capture calls it last in its transaction, so the lock is held only until the commit.
 */
export async function lockLine(tx: SqlExecutor, launch: string, now: number): Promise<LineSettings> {
	const [row] = await tx.query<{ next_number: number | string; spots_per_referral: number | string }>(
		`INSERT INTO line_settings (launch, next_number, spots_per_referral, updated_at) VALUES ($1, 1, $2, $3)
		 ON CONFLICT (launch) DO UPDATE SET updated_at = excluded.updated_at
		 RETURNING next_number, spots_per_referral`,
		[launch, DEFAULT_SPOTS_PER_REFERRAL, now],
	);
	return { nextNumber: Number(row!.next_number), spotsPerReferral: Number(row!.spots_per_referral) };
}

/** The launch's setting without locking (a read for pages and lookups). */
export async function readLineSettings(tx: SqlExecutor, launch: string): Promise<LineSettings> {
	const [row] = await tx.query<{ next_number: number | string; spots_per_referral: number | string }>('SELECT next_number, spots_per_referral FROM line_settings WHERE launch = $1', [launch]);
	return row ? { nextNumber: Number(row.next_number), spotsPerReferral: Number(row.spots_per_referral) } : { nextNumber: 1, spotsPerReferral: DEFAULT_SPOTS_PER_REFERRAL };
}

async function applyCountChanges(tx: SqlExecutor, launch: string, from: number | null, to: number | null): Promise<void> {
	const changes = lineCountChanges(from, to);
	if (changes.length === 0) return;
	const params: SqlValue[] = [launch];
	const rows = changes.map((c) => {
		params.push(c.level, c.prefix, c.delta);
		return `($1, $${params.length - 2}, $${params.length - 1}, $${params.length})`;
	});
	await tx.execute(
		`INSERT INTO line_counts (launch, level, prefix, count) VALUES ${rows.join(', ')}
		 ON CONFLICT (launch, level, prefix) DO UPDATE SET count = line_counts.count + excluded.count`,
		params,
	);
}

export async function getLineEntry(tx: SqlExecutor, launch: string, contactId: string): Promise<LineEntry | null> {
	const [row] = await tx.query<{ contact_id: string; number: number | string; credits: number | string; score: number | string }>(
		'SELECT contact_id, number, credits, score FROM line_entries WHERE launch = $1 AND contact_id = $2',
		[launch, contactId],
	);
	return row ? { contactId: row.contact_id, number: Number(row.number), credits: Number(row.credits), score: Number(row.score) } : null;
}

/**
 * Puts a contact at the end of the line (once: a contact already in it keeps its place). `number`
 * gives an entry back the number it had (unmerge); otherwise it gets the next one.
 */
export async function joinLine(tx: SqlExecutor, input: { launch: string; contactId: string; now: number; number?: number; credits?: number }): Promise<LineEntry> {
	const settings = await lockLine(tx, input.launch, input.now);
	const existing = await getLineEntry(tx, input.launch, input.contactId);
	if (existing) return existing;
	const number = input.number ?? settings.nextNumber;
	if (input.number === undefined) await tx.execute('UPDATE line_settings SET next_number = next_number + 1 WHERE launch = $1', [input.launch]);
	const credits = input.credits ?? 0;
	const score = lineScore(number, credits, settings.spotsPerReferral);
	await tx.execute('INSERT INTO line_entries (launch, contact_id, number, credits, score, joined_at) VALUES ($1, $2, $3, $4, $5, $6)', [input.launch, input.contactId, number, credits, score, input.now]);
	await applyCountChanges(tx, input.launch, null, lineKey(score));
	// Put back at its old number (unmerge): everyone from there on moved back one place.
	if (input.number !== undefined) await markBehind(tx, input.launch, { score, number }, input.now);
	return { contactId: input.contactId, number, credits, score };
}

/** Takes a contact out of the line (merged away, forgotten); everyone behind moves up one. */
export async function leaveLine(tx: SqlExecutor, input: { launch: string; contactId: string; now: number }): Promise<LineEntry | null> {
	await lockLine(tx, input.launch, input.now);
	const entry = await getLineEntry(tx, input.launch, input.contactId);
	if (!entry) return null;
	await tx.execute('DELETE FROM line_entries WHERE launch = $1 AND contact_id = $2', [input.launch, input.contactId]);
	await applyCountChanges(tx, input.launch, lineKey(entry.score), null);
	await markBehind(tx, input.launch, entry, input.now);
	return entry;
}

/**
 * Sets an entry's signup number and credits (a credit counted or withdrawn, a merge keeping the
 * earlier number) and moves it in the tree. No entry: nothing to move (not in this launch's line).
 */
export async function updateLineEntry(tx: SqlExecutor, input: { launch: string; contactId: string; now: number; credits?: number; number?: number }): Promise<LineEntry | null> {
	const settings = await lockLine(tx, input.launch, input.now);
	const entry = await getLineEntry(tx, input.launch, input.contactId);
	if (!entry) return null;
	const number = input.number ?? entry.number;
	const credits = input.credits ?? entry.credits;
	const score = lineScore(number, credits, settings.spotsPerReferral);
	if (number === entry.number && credits === entry.credits && score === entry.score) return entry;
	await tx.execute('UPDATE line_entries SET number = $1, credits = $2, score = $3 WHERE launch = $4 AND contact_id = $5', [number, credits, score, input.launch, input.contactId]);
	await applyCountChanges(tx, input.launch, lineKey(entry.score), lineKey(score));
	if (score !== entry.score || number !== entry.number) await markMove(tx, input.launch, input.contactId, entry, { score, number }, input.now);
	else await markReferralFields(tx, input.launch, [input.contactId], input.now);
	return { contactId: input.contactId, number, credits, score };
}

/**
 * The SQL for a place: the entry (a primary-key read), the counts of the tree nodes to the left of its
 * key's path — the ranges lineRangesBelow gives, computed by the database from the entry's score —,
 * the entries with the same score and an earlier number, and the whole line's size. One statement:
 * one round trip, one consistent snapshot without a transaction, and the same text for every contact
 * (one prepared statement, whichever digits of the key are zero). A level whose digit is 0 has the
 * empty range [here, here).
 */
function placeSql(dialect: Dialect): string {
	const clamp = dialect === 'postgres' ? (x: string) => `GREATEST(0, LEAST(${LINE_KEY_MAX}, ${x}))` : (x: string) => `MAX(0, MIN(${LINE_KEY_MAX}, ${x}))`;
	const levels = Array.from({ length: LINE_LEVELS }, (_, level) => {
		const here = `(me.k / ${LINE_FANOUT ** level})`;
		return `(SELECT COALESCE(SUM(c.count), 0) FROM line_counts c WHERE c.launch = $1 AND c.level = ${level} AND c.prefix >= ${here} - ${here} % ${LINE_FANOUT} AND c.prefix < ${here})`;
	});
	return `WITH me AS (SELECT number, credits, score, ${clamp(`score + ${LINE_KEY_OFFSET}`)} AS k FROM line_entries WHERE launch = $1 AND contact_id = $2)
		SELECT me.number, me.credits, me.score,
			${levels.join('\n\t\t\t+ ')}
			+ (SELECT COUNT(*) FROM line_entries t WHERE t.launch = $1 AND t.score = me.score AND t.number < me.number) AS ahead,
			(SELECT COALESCE(SUM(c.count), 0) FROM line_counts c WHERE c.launch = $1 AND c.level = ${LINE_LEVELS - 1}) AS everyone
		FROM me`;
}
const PLACE_SQL: Record<Dialect, string> = { sqlite: placeSql('sqlite'), postgres: placeSql('postgres') };

/**
 * 1-based place of a contact in its launch's line; null when it is not in the line. One statement that
 * reads ≤ 10 short index ranges, whatever the line's length. Needs no transaction (pass the store).
 */
export async function placeInLine(db: SqlExecutor, launch: string, contactId: string): Promise<{ place: number; of: number; entry: LineEntry } | null> {
	const [row] = await db.query<{ number: number | string; credits: number | string; score: number | string; ahead: number | string; everyone: number | string }>(PLACE_SQL[db.dialect], [launch, contactId]);
	if (!row) return null;
	return { place: 1 + Number(row.ahead), of: Number(row.everyone), entry: { contactId, number: Number(row.number), credits: Number(row.credits), score: Number(row.score) } };
}

/** Changes how many places a credit is worth, re-scoring the launch's whole line (a setting, rarely changed). */
export async function setSpotsPerReferral(tx: SqlExecutor, input: { launch: string; spots: number; now: number }): Promise<void> {
	if (!Number.isInteger(input.spots) || input.spots < 0 || input.spots > 100_000) {
		throw new LedgerInputError('spotsPerReferral', `must be a whole number from 0 to 100000 (places one credited referral moves a person up); got ${JSON.stringify(input.spots)}`);
	}
	await lockLine(tx, input.launch, input.now);
	await tx.execute('UPDATE line_settings SET spots_per_referral = $1 WHERE launch = $2', [input.spots, input.launch]);
	await tx.execute('UPDATE line_entries SET score = number - $1 * credits WHERE launch = $2', [input.spots, input.launch]);
	await rebuildLineCounts(tx, input.launch);
	await markWholeLine(tx, input.launch, input.now);
}

/** Recounts the tree from the entries (after a re-scoring). */
export async function rebuildLineCounts(tx: SqlExecutor, launch: string): Promise<void> {
	await tx.execute('DELETE FROM line_counts WHERE launch = $1', [launch]);
	for (let level = 0; level < LINE_LEVELS; level++) {
		const divisor = LINE_FANOUT ** level;
		// Keys are non-negative, so integer division is the shift on both databases. Scores beyond the
		// key range do not occur (a list would need two billion signups).
		await tx.execute(
			`INSERT INTO line_counts (launch, level, prefix, count)
			 SELECT launch, ${level}, (score + ${LINE_KEY_OFFSET}) / ${divisor}, COUNT(*) FROM line_entries WHERE launch = $1 GROUP BY launch, (score + ${LINE_KEY_OFFSET}) / ${divisor}`,
			[launch],
		);
	}
}
