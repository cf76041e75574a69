import type { PostgresStore } from './postgres';
import type { Dialect, SqlExecutor, Store } from './types';

/**
 * Versioned schema changes, applied in order on first use. Never edit a migration that has been
 * released; add a new one. Each entry returns statements for the dialect it runs on.
 *
 * Portable conventions: ids are TEXT (UUIDs), times are BIGINT epoch milliseconds, JSON is TEXT.
 */
export interface Migration {
	version: number;
	name: string;
	statements(dialect: Dialect): string[];
}

const serialKey = (dialect: Dialect) =>
	dialect === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';

export const migrations: Migration[] = [
	{
		version: 1,
		name: 'contacts, identifiers, events, settings, outbox',
		statements: (dialect) => [
			`CREATE TABLE IF NOT EXISTS contacts (
				id TEXT PRIMARY KEY,
				launch TEXT NOT NULL,
				status TEXT NOT NULL DEFAULT 'active',
				email TEXT,
				phone TEXT,
				profile TEXT NOT NULL DEFAULT '{}',
				first_touch TEXT,
				last_touch TEXT,
				consent TEXT,
				is_test INTEGER NOT NULL DEFAULT 0,
				merged_into TEXT,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS contacts_launch_created ON contacts (launch, created_at)`,
			// The primary key is what makes dedupe race-free: two concurrent signups of one person
			// cannot both insert the same (launch, kind, value).
			`CREATE TABLE IF NOT EXISTS identifiers (
				launch TEXT NOT NULL,
				kind TEXT NOT NULL,
				value TEXT NOT NULL,
				contact_id TEXT NOT NULL,
				display_value TEXT,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (launch, kind, value)
			)`,
			`CREATE INDEX IF NOT EXISTS identifiers_contact ON identifiers (contact_id)`,
			`CREATE TABLE IF NOT EXISTS events (
				id ${serialKey(dialect)},
				launch TEXT NOT NULL,
				contact_id TEXT,
				type TEXT NOT NULL,
				source TEXT,
				data TEXT NOT NULL DEFAULT '{}',
				created_at BIGINT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS events_contact ON events (contact_id, id)`,
			`CREATE INDEX IF NOT EXISTS events_launch_type ON events (launch, type, created_at)`,
			`CREATE TABLE IF NOT EXISTS settings (
				launch TEXT PRIMARY KEY,
				data TEXT NOT NULL DEFAULT '{}',
				updated_at BIGINT NOT NULL
			)`,
			`CREATE TABLE IF NOT EXISTS outbox (
				id TEXT PRIMARY KEY,
				launch TEXT NOT NULL,
				kind TEXT NOT NULL,
				idempotency_key TEXT NOT NULL,
				contact_id TEXT,
				payload TEXT NOT NULL DEFAULT '{}',
				status TEXT NOT NULL DEFAULT 'pending',
				attempts INTEGER NOT NULL DEFAULT 0,
				next_attempt_at BIGINT NOT NULL,
				lease_until BIGINT,
				claimed_by TEXT,
				last_error TEXT,
				response_id TEXT,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				UNIQUE (launch, idempotency_key)
			)`,
			`CREATE INDEX IF NOT EXISTS outbox_due ON outbox (launch, status, next_attempt_at)`,
		],
	},
];

export const LATEST_SCHEMA_VERSION = Math.max(...migrations.map((m) => m.version));

// Any fixed number works; it only has to be the same in every process that migrates this ledger.
const MIGRATION_LOCK_KEY = 7_310_442_019;

async function applyPending(tx: SqlExecutor): Promise<number> {
	await tx.execute(
		`CREATE TABLE IF NOT EXISTS ledger_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
	);
	const applied = new Set(
		(await tx.query<{ version: number }>('SELECT version FROM ledger_migrations')).map((r) => Number(r.version)),
	);
	for (const migration of migrations) {
		if (applied.has(migration.version)) continue;
		for (const statement of migration.statements(tx.dialect)) await tx.execute(statement);
		await tx.execute('INSERT INTO ledger_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
			migration.version,
			migration.name,
			Date.now(),
		]);
	}
	const [row] = await tx.query<{ version: number | null }>('SELECT MAX(version) AS version FROM ledger_migrations');
	return Number(row?.version ?? 0);
}

/**
 * Brings the schema up to date and returns its version. Safe when several processes start at once:
 * PostgreSQL serializes them on an advisory lock, SQLite on its write lock (BEGIN IMMEDIATE).
 */
export async function migrate(store: Store): Promise<number> {
	if (store.dialect === 'postgres') await (store as PostgresStore).ensureSchema();
	return store.transaction(async (tx) => {
		if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
		return applyPending(tx);
	});
}

export async function schemaVersion(store: Store): Promise<number> {
	const [row] = await store.query<{ version: number | null }>('SELECT MAX(version) AS version FROM ledger_migrations');
	return Number(row?.version ?? 0);
}
