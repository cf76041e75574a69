import type { Dialect } from '../store';

/**
 * A text value inside a JSON TEXT column, spelled per database. `key` is always a constant of this
 * module (never user input); it is checked anyway so a typo cannot turn into SQL.
 */
export function jsonText(dialect: Dialect, column: string, key: string): string {
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || !/^[a-z_.]+$/.test(column)) throw new Error(`not a JSON key / column: ${column}.${key}`);
	return dialect === 'postgres' ? `(${column}::json ->> '${key}')` : `json_extract(${column}, '$.${key}')`;
}

/** A count or sum from either driver (PostgreSQL returns SUM as a numeric string; SQLite NULL for no rows). */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** A nullable epoch-ms column. */
export const maybeTime = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** part / whole as a percentage with one decimal; null when there is nothing to divide. */
export const percent = (part: number, whole: number): number | null => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);
