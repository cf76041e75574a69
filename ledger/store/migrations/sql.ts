import type { Dialect, SqlExecutor } from '../types';

/** An auto-incrementing integer primary key, spelled the way each database wants it. */
export const serialKey = (dialect: Dialect): string =>
	dialect === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';

/**
 * One versioned schema change. Never edit a migration that has been released; add a new one. Each
 * returns its statements for the dialect it runs on. Portable conventions: ids are TEXT (UUIDs),
 * times are BIGINT epoch milliseconds, JSON is TEXT.
 */
export interface Migration {
	version: number;
	name: string;
	statements(dialect: Dialect): string[];
	/** Row changes SQL alone cannot make (e.g. re-keying by a rule in TypeScript), after the statements, in the same transaction. */
	run?(tx: SqlExecutor): Promise<void>;
}
