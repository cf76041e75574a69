import { timeOrderedUuid } from '../ids';
import type { SqlValue, Store } from './types';

/**
 * SQL the benchmarks measure the ledger against or seed it with, kept in ledger/ so no SQL lives
 * outside it. Nothing in the ledger itself calls these.
 */

/** The raw baseline's table: one row per email, the whole signup as JSON. */
export async function createRawContactsTable(store: Store): Promise<void> {
	await store.execute('CREATE TABLE IF NOT EXISTS bench_raw_contacts (email TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at BIGINT NOT NULL)');
}

/** The raw baseline: one single-table `INSERT … ON CONFLICT DO UPDATE` per signup. */
export function rawUpsertContact(store: Store, email: string, data: string, at: number): Promise<number> {
	return store.execute(
		`INSERT INTO bench_raw_contacts (email, data, updated_at) VALUES ($1, $2, $3)
		 ON CONFLICT (email) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
		[email, data, at],
	);
}

/** The launch the "writes alone" floor writes into. */
export const FLOOR_LAUNCH = 'bench-floor';

/**
 * The writes of one new signup and nothing else — the floor of the upsert benchmark: the rows the
 * ledger writes for a new contact with a first name, one touch and the tags early-bird and waitlist
 * (identifier, contact with first/last touch, two tags, three events), as plain INSERTs — no reads,
 * no validation, no merge. One transaction on SQLite; on PostgreSQL the one data-modifying statement
 * the ledger's create path uses. Contact ids are time-ordered like the ledger's.
 */
export async function writeSignupRowsAlone(store: Store, signup: { email: string; firstName: string; touch: Record<string, string> }): Promise<void> {
	const id = timeOrderedUuid();
	const now = Date.now();
	const { email } = signup;
	const touch = JSON.stringify({ at: now, ...signup.touch });
	const profile = JSON.stringify({ first_name: signup.firstName });
	const created = JSON.stringify({ identifier: { kind: 'email', value: email }, changes: { first_name: { before: null, after: signup.firstName }, first_touch: { before: null, after: JSON.parse(touch) }, last_touch: { before: null, after: JSON.parse(touch) } } });
	const tagEvent = (tag: string) => JSON.stringify({ tag, input: tag, via: 'known', before: false, after: true });
	if (store.dialect === 'postgres') {
		await store.execute(
			`WITH claim AS (
				INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at) VALUES ('bench-floor', 'email', $1, $2, $1, $3)
				ON CONFLICT DO NOTHING RETURNING contact_id),
			c AS (INSERT INTO contacts (id, launch, email, profile, first_touch, last_touch, field_times, created_at, updated_at)
				SELECT contact_id, 'bench-floor', $1, $4, $5, $5, $6, $3, $3 FROM claim),
			t AS (INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at)
				SELECT contact_id, tag, 'bench-floor', 'bench', $3 FROM claim, (VALUES ('early-bird'), ('waitlist')) AS tags (tag))
			INSERT INTO events (launch, contact_id, type, source, data, created_at)
				SELECT 'bench-floor', contact_id, type, 'bench', data, $3 FROM claim, (VALUES ('contact.created', $7), ('tag.applied', $8), ('tag.applied', $9)) AS e (type, data)`,
			[email, id, now, profile, touch, JSON.stringify({ first_name: now }), created, tagEvent('early-bird'), tagEvent('waitlist')],
		);
		return;
	}
	await store.transaction(async (tx) => {
		await tx.execute(`INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at) VALUES ('bench-floor', 'email', $1, $2, $1, $3)`, [email, id, now]);
		await tx.execute(
			`INSERT INTO contacts (id, launch, email, profile, first_touch, last_touch, field_times, created_at, updated_at) VALUES ($1, 'bench-floor', $2, $3, $4, $4, $5, $6, $6)`,
			[id, email, profile, touch, JSON.stringify({ first_name: now }), now],
		);
		await tx.execute(`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at) VALUES ($1, 'early-bird', 'bench-floor', 'bench', $2), ($1, 'waitlist', 'bench-floor', 'bench', $2)`, [id, now]);
		await tx.execute(
			`INSERT INTO events (launch, contact_id, type, source, data, created_at) VALUES ('bench-floor', $1, 'contact.created', 'bench', $2, $5), ('bench-floor', $1, 'tag.applied', 'bench', $3, $5), ('bench-floor', $1, 'tag.applied', 'bench', $4, $5)`,
			[id, created, tagEvent('early-bird'), tagEvent('waitlist'), now],
		);
	});
}

/**
 * Seeds `count` active contacts straight into the tables (contacts, email identifiers, one registered
 * tag each), 500 per transaction — benchmark setup at a size the upsert path would take long to reach.
 * Contact ids are `c0000000`, `c0000001` …
 */
export async function seedPlainContacts(store: Store, input: { launch: string; count: number; emailOf: (i: number) => string; tag: string }): Promise<void> {
	const { launch, count: n, emailOf, tag } = input;
	const now = Date.now();
	await store.execute(`INSERT INTO tag_registry (launch, tag, kind, created_at) VALUES ($1, $2, 'segment', $3)`, [launch, tag, now]);
	for (let start = 0; start < n; start += 500) {
		const count = Math.min(500, n - start);
		await store.transaction(async (tx) => {
			for (const [table, row] of [
				['contacts (id, launch, email, created_at, updated_at)', (i: number) => [`c${i.toString().padStart(7, '0')}`, launch, emailOf(i), now, now]],
				['identifiers (launch, kind, value, contact_id, created_at)', (i: number) => [launch, 'email', emailOf(i), `c${i.toString().padStart(7, '0')}`, now]],
				['contact_tags (contact_id, tag, launch, applied_at)', (i: number) => [`c${i.toString().padStart(7, '0')}`, tag, launch, now]],
			] as const) {
				const params: SqlValue[] = [];
				const values = Array.from({ length: count }, (_, k) => {
					const fields = row(start + k);
					const base = params.length;
					params.push(...fields);
					return `(${fields.map((_, j) => `$${base + j + 1}`).join(', ')})`;
				});
				await tx.execute(`INSERT INTO ${table} VALUES ${values.join(', ')}`, params);
			}
		});
	}
}

/**
 * The floor of the reconcile sweep: every vendor record written once into the sweep's staging table
 * (`reconcile_seen`: run, system, key, contact), 1000 rows per INSERT and per transaction like a sweep
 * batch, with nothing read, compared or decided. A sweep that keeps memory flat writes at least this.
 */
export async function stageRecordsAlone(store: Store, input: { runId: string; system: string; records: readonly { key: string; contactId: string | null }[] }): Promise<void> {
	const params: SqlValue[] = [input.runId, input.system];
	const values = input.records.map((r) => {
		params.push(r.key, r.contactId);
		return `($1, $2, $${params.length - 1}, $${params.length})`;
	});
	if (values.length === 0) return;
	await store.transaction((tx) => tx.execute(`INSERT INTO reconcile_seen (run_id, system, record_key, contact_id) VALUES ${values.join(', ')} ON CONFLICT DO NOTHING`, params));
}

/** Removes what stageRecordsAlone wrote for a run. */
export async function dropStagedRecords(store: Store, runId: string): Promise<void> {
	await store.execute('DELETE FROM reconcile_seen WHERE run_id = $1', [runId]);
}

/**
 * The place-in-line baseline: count everyone ahead with one indexed query over the line's entries
 * (what a list without the count tree would do). Its cost grows with the place.
 */
export async function placeByCounting(store: Store, launch: string, contactId: string): Promise<number | null> {
	const [me] = await store.query<{ score: number | string; number: number | string }>('SELECT score, number FROM line_entries WHERE launch = $1 AND contact_id = $2', [launch, contactId]);
	if (!me) return null;
	const [row] = await store.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM line_entries WHERE launch = $1 AND (score < $2 OR (score = $2 AND number < $3))', [launch, me.score, me.number]);
	return 1 + Number(row!.n);
}

/**
 * The floor of a place-in-line lookup: one line entry read by its primary key, nothing else. Any
 * lookup of one person in a line of that size pays at least this B-tree descent.
 */
export async function readLineEntryAlone(store: Store, launch: string, contactId: string): Promise<void> {
	await store.query('SELECT number, credits, score FROM line_entries WHERE launch = $1 AND contact_id = $2', [launch, contactId]);
}

/**
 * The floor of a write at a table size: one row at a random key (a referral code, as a signup's own
 * code is) inserted and committed on its own.
 */
export async function insertReferralCodeAlone(store: Store, input: { code: string; launch: string; contactId: string }): Promise<void> {
	await store.transaction((tx) => tx.execute('INSERT INTO referral_codes (code, launch, contact_id, created_at) VALUES ($1, $2, $3, 0)', [input.code, input.launch, input.contactId]));
}
