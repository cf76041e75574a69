import type { Store } from '../store';
import { rebuildLineCounts } from './line';

/**
 * A launch's line for benchmarks, on top of seedLaunchHistory's contacts (ids h000000000 …): every
 * contact in the line in id order, one in ten with 1–6 credited referrals (one credit row each, from
 * other seeded contacts), and a code `S` + the padded number per contact. Written by INSERT … SELECT
 * inside the database; rows bypass the ledger's rules (only the size matters). The count tree is
 * then rebuilt from the entries, as a spots-per-referral change would.
 */
export async function seedLine(store: Store, input: { launch: string; contacts: number; spotsPerReferral: number; chunk?: number }): Promise<void> {
	const { launch, contacts, spotsPerReferral } = input;
	const chunk = input.chunk ?? 100_000;
	const pg = store.dialect === 'postgres';
	const series = pg
		? 'generate_series($2::bigint, $3::bigint - 1) AS n(i)'
		: '(WITH RECURSIVE s(i) AS (SELECT $2 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $3) SELECT i FROM s) AS n';
	const pad = (expr: string) => (pg ? `lpad((${expr})::text, 9, '0')` : `printf('%09d', ${expr})`);
	const credits = `(CASE WHEN i % 10 = 0 THEN 1 + (i / 10) % 6 ELSE 0 END)`;
	// Each statement with the parameters it uses (SQLite refuses extra ones).
	const statements: Array<[string, (from: number, to: number) => Array<string | number>]> = [
		[`INSERT INTO line_entries (launch, contact_id, number, credits, score, joined_at) SELECT $1, 'h' || ${pad('i')}, i + 1, ${credits}, i + 1 - $4 * ${credits}, 0 FROM ${series}`, (from, to) => [launch, from, to, spotsPerReferral]],
		[`INSERT INTO referral_codes (code, launch, contact_id, created_at) SELECT 'S' || ${pad('i')}, $1, 'h' || ${pad('i')}, 0 FROM ${series}`, (from, to) => [launch, from, to]],
		// The credits of contact i (i % 10 = 0) come from the contacts just after it: i+1 … i+credits.
		...[1, 2, 3, 4, 5, 6].map(
			(k): [string, (from: number, to: number) => Array<string | number>] => [
				`INSERT INTO referral_credits (launch, referred_id, referrer_id, code, status, reason, created_at, updated_at)
			 SELECT $1, 'h' || ${pad(`i + ${k}`)}, 'h' || ${pad('i')}, 'S' || ${pad('i')}, 'credited', NULL, 0, 0 FROM ${series} WHERE i % 10 = 0 AND ${credits} >= ${k} AND i + ${k} < $4`,
				(from, to) => [launch, from, to, contacts],
			],
		),
	];
	await store.execute('INSERT INTO line_settings (launch, next_number, spots_per_referral, updated_at) VALUES ($1, $2, $3, 0)', [launch, contacts + 1, spotsPerReferral]);
	for (let from = 0; from < contacts; from += chunk) {
		const to = Math.min(contacts, from + chunk);
		await store.transaction(async (tx) => {
			for (const [sql, params] of statements) await tx.execute(sql, params(from, to));
		});
	}
	await store.transaction((tx) => rebuildLineCounts(tx, launch));
	if (pg) await store.execute('ANALYZE');
}
