import type { SqlValue } from './types';

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
