import type { Dialect, SqlValue } from './types';

/**
 * Appends `values` to a statement's `params` and returns their placeholders ("$3, $4, $5") for an
 * `IN (…)` list, numbered after whatever `params` already holds.
 */
export function inList(values: readonly SqlValue[], params: SqlValue[]): string {
	return values
		.map((v) => {
			params.push(v);
			return `$${params.length}`;
		})
		.join(', ');
}

/**
 * ` FOR UPDATE` on PostgreSQL, to lock the rows a transaction reads before it changes them; nothing
 * on SQLite, where a writing transaction (BEGIN IMMEDIATE) already runs alone.
 */
export function forUpdate(tx: { dialect: Dialect }): string {
	return tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
}
