import { migrations } from './migrations/index';
import type { PostgresStore } from './postgres';
import type { SqlExecutor, Store } from './types';

/** Versioned schema changes (migrations/*.ts), applied in order on first use. */
export type { Migration } from './migrations/sql';

export { migrations };

export const LATEST_SCHEMA_VERSION = Math.max(...migrations.map((m) => m.version));

// Any fixed number works; it only has to be the same in every process that migrates this ledger.
const MIGRATION_LOCK_KEY = 7_310_442_019;

async function applyPending(tx: SqlExecutor, upTo: number): Promise<number> {
	await tx.execute(
		`CREATE TABLE IF NOT EXISTS ledger_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
	);
	const applied = new Set(
		(await tx.query<{ version: number }>('SELECT version FROM ledger_migrations')).map((r) => Number(r.version)),
	);
	for (const migration of migrations) {
		if (applied.has(migration.version) || migration.version > upTo) continue;
		for (const statement of migration.statements(tx.dialect)) await tx.execute(statement);
		if (migration.run) await migration.run(tx);
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
 * `upTo` stops at an older version: tests build a ledger as it was to check what a migration does to
 * the rows it finds.
 */
export async function migrate(store: Store, upTo = Number.POSITIVE_INFINITY): Promise<number> {
	if (store.dialect === 'postgres') await (store as PostgresStore).ensureSchema();
	return store.transaction(async (tx) => {
		if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
		return applyPending(tx, upTo);
	});
}

export async function schemaVersion(store: Store): Promise<number> {
	const [row] = await store.query<{ version: number | null }>('SELECT MAX(version) AS version FROM ledger_migrations');
	return Number(row?.version ?? 0);
}
