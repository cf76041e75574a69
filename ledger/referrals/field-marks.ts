import type { SqlExecutor } from '../store';

/**
 * Marks contacts whose ESP referral fields (place in line, referral count, link) may have changed, for
 * the next ESP drain to look at (fields.ts). A mark is one row per contact: a wave of credits for one
 * referrer, or one person overtaken ten times, leaves one mark — the coalescing happens here, in the
 * primary key, whatever the concurrency.
 */

/** A place in the line's order: by score, ties by signup number. */
export interface LineKey {
	score: number;
	number: number;
}

const before = (a: LineKey, b: LineKey) => a.score < b.score || (a.score === b.score && a.number < b.number);

export async function markReferralFields(tx: SqlExecutor, launch: string, contactIds: readonly string[], now: number): Promise<void> {
	for (const contactId of new Set(contactIds)) {
		await tx.execute('INSERT INTO referral_field_changes (launch, contact_id, marked_at) VALUES ($1, $2, $3) ON CONFLICT (launch, contact_id) DO NOTHING', [launch, contactId, now]);
	}
}

/**
 * An entry moved from one key to another: it and everyone strictly between the two keys changed
 * place (each by one). A credit with N spots per referral moves at most N people: an index range.
 */
export async function markMove(tx: SqlExecutor, launch: string, contactId: string, from: LineKey, to: LineKey, now: number): Promise<void> {
	const [lo, hi] = before(from, to) ? [from, to] : [to, from];
	await tx.execute(
		`INSERT INTO referral_field_changes (launch, contact_id, marked_at)
		 SELECT launch, contact_id, $2 FROM line_entries
		 WHERE launch = $1 AND (contact_id = $7 OR ((score > $3 OR (score = $3 AND number > $4)) AND (score < $5 OR (score = $5 AND number < $6))))
		 ON CONFLICT (launch, contact_id) DO NOTHING`,
		[launch, now, lo.score, lo.number, hi.score, hi.number, contactId],
	);
}

/**
 * Someone left the line or was put back into it at a key (merge, forget, unmerge): everyone after
 * that key moved by one place. Rare, and as large as the part of the line behind it.
 */
export async function markBehind(tx: SqlExecutor, launch: string, key: LineKey, now: number): Promise<void> {
	await tx.execute(
		`INSERT INTO referral_field_changes (launch, contact_id, marked_at)
		 SELECT launch, contact_id, $2 FROM line_entries WHERE launch = $1 AND (score > $3 OR (score = $3 AND number >= $4))
		 ON CONFLICT (launch, contact_id) DO NOTHING`,
		[launch, now, key.score, key.number],
	);
}

/** The whole line was re-scored (spots per referral changed). */
export async function markWholeLine(tx: SqlExecutor, launch: string, now: number): Promise<void> {
	await tx.execute(
		`INSERT INTO referral_field_changes (launch, contact_id, marked_at)
		 SELECT launch, contact_id, $2 FROM line_entries WHERE launch = $1
		 ON CONFLICT (launch, contact_id) DO NOTHING`,
		[launch, now],
	);
}
