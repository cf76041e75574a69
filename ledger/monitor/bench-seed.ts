import type { Store } from '../store';

/**
 * Bulk history for benchmarks: N contacts that signed up before the measured window, each with the
 * rows a real signup leaves (an email identifier, a tag, a contact.created event, an ESP and a CRM
 * sync done), and one buyer in a hundred with a captured, matched purchase, granted access and its
 * delivered grant. Written by INSERT … SELECT over a generated series inside the database, so a
 * million contacts take seconds, not the hours the one-by-one API would. Not for production data:
 * rows bypass the ledger's rules (that is the point — they are only the size the signals must not
 * feel).
 */

export interface SeedHistoryInput {
	launch: string;
	contacts: number;
	/** Every seeded row is created before this time (epoch ms), spread over the 30 days before it. */
	before: number;
	/** Rows per INSERT statement. */
	chunk?: number;
}

const SPREAD_MS = 30 * 24 * 3_600_000;

export async function seedLaunchHistory(store: Store, input: SeedHistoryInput): Promise<void> {
	const { launch, contacts, before } = input;
	const chunk = input.chunk ?? 100_000;
	const pg = store.dialect === 'postgres';
	const step = Math.max(1, Math.floor(SPREAD_MS / Math.max(1, contacts)));
	const start = before - step * contacts - 1;
	// i runs over [$2, $3); ids are fixed-width so they sort like the numbers.
	const series = pg
		? 'generate_series($2::bigint, $3::bigint - 1) AS n(i)'
		: '(WITH RECURSIVE s(i) AS (SELECT $2 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $3) SELECT i FROM s) AS n';
	const pad = (expr: string) => (pg ? `lpad((${expr})::text, 9, '0')` : `printf('%09d', ${expr})`);
	const id = `'h' || ${pad('i')}`;
	const email = `'seed' || ${pad('i')} || '@example.com'`;
	const at = `($4 + i * $5)`;
	const statements = [
		`INSERT INTO contacts (id, launch, status, email, profile, first_touch, last_touch, consent, is_test, created_at, updated_at)
		 SELECT ${id}, $1, 'active', ${email}, '{"first_name":"Seed"}',
			CASE WHEN i % 4 = 3 THEN NULL ELSE '{"utm_source":"newsletter","utm_medium":"email","utm_campaign":"launch","at":' || ${at} || '}' END,
			CASE WHEN i % 4 = 3 THEN NULL ELSE '{"utm_source":"newsletter","utm_medium":"email","utm_campaign":"launch","at":' || ${at} || '}' END,
			'{"marketing":true}', 0, ${at}, ${at} FROM ${series}`,
		`INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at) SELECT $1, 'email', ${email}, ${id}, ${email}, ${at} FROM ${series}`,
		`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at) SELECT ${id}, 'early-bird', $1, 'seed', ${at} FROM ${series}`,
		`INSERT INTO events (launch, contact_id, type, source, data, created_at) SELECT $1, ${id}, 'contact.created', 'seed', '{}', ${at} FROM ${series}`,
		...['esp_sync', 'crm_sync'].map(
			(kind) => `INSERT INTO outbox (id, launch, kind, idempotency_key, contact_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
			 SELECT '${kind}-' || ${id}, $1, '${kind}', '${kind}:' || ${id}, ${id}, '{}', 'done', 1, ${at}, ${at}, ${at} + 1000 FROM ${series}`,
		),
		`INSERT INTO purchases (id, launch, provider, order_id, contact_id, product_id, captured_at, amount, currency, email, matched_by, created_at, updated_at)
		 SELECT 'p' || ${id}, $1, 'stripe', 'pi_' || ${id}, ${id}, 'course', ${at} + 60000, 5900, 'USD', ${email}, 'email', ${at} + 60000, ${at} + 60000 FROM ${series} WHERE i % 100 = 7`,
		`INSERT INTO access (launch, contact_id, product_id, state, version, updated_at) SELECT $1, ${id}, 'course', 'granted', 1, ${at} + 60000 FROM ${series} WHERE i % 100 = 7`,
		`INSERT INTO outbox (id, launch, kind, idempotency_key, contact_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
		 SELECT 'grant-' || ${id}, $1, 'grant', 'access:' || ${id} || ':course:1:grant', ${id}, '{"productId":"course"}', 'done', 1, ${at} + 60000, ${at} + 60000, ${at} + 61000
		 FROM ${series} WHERE i % 100 = 7`,
	];
	for (let from = 0; from < contacts; from += chunk) {
		const to = Math.min(contacts, from + chunk);
		await store.transaction(async (tx) => {
			for (const sql of statements) await tx.execute(sql, [launch, from, to, start, step]);
		});
	}
	// A production PostgreSQL has statistics (autovacuum analyzes big tables); a freshly filled one
	// does not until autovacuum comes by, and plans without them are not the ones users get.
	if (pg) await store.execute('ANALYZE');
}
