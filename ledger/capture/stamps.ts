import type { SqlExecutor } from '../store';
import { FORM_STAMP_MAX_AGE_MS } from './validate';

/**
 * The hosted form's signed "shown at" times already used by a signup. A stamp may be used once: a
 * bot that fetched the form once cannot replay it, and the primary key settles two posts at once
 * (the second INSERT conflicts — on PostgreSQL it waits for the first to commit). Stamps older than a
 * form may be (FORM_STAMP_MAX_AGE_MS) are refused anyway, so they are dropped as new ones come.
 */
export async function useFormStamp(tx: SqlExecutor, launch: string, stamp: string, shownAt: number, now: number): Promise<boolean> {
	await tx.execute('DELETE FROM capture_form_stamps WHERE launch = $1 AND shown_at < $2', [launch, now - FORM_STAMP_MAX_AGE_MS]);
	const rows = await tx.query<{ stamp: string }>(
		`INSERT INTO capture_form_stamps (launch, stamp, shown_at, used_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (launch, stamp) DO NOTHING RETURNING stamp`,
		[launch, stamp, shownAt, now],
	);
	return rows.length === 1;
}
