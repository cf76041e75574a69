import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';

/** Input checks shared by the outbox's operations (lists of kinds and ids may come as comma-separated text from a node). */

export function wholeNumber(value: unknown, field: string, min: number, max: number, fallback?: number): number {
	if ((value === undefined || value === null || value === '') && fallback !== undefined) return fallback;
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
		throw new LedgerInputError(field, `must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`);
	}
	return n;
}

export function kindList(kinds: unknown, field = 'kinds'): string[] | undefined {
	if (kinds === undefined || kinds === null || kinds === '') return undefined;
	const list = typeof kinds === 'string' ? kinds.split(',').map((k) => k.trim()).filter(Boolean) : kinds;
	if (!Array.isArray(list)) throw new LedgerInputError(field, 'must be a list of kinds such as ["grant", "esp_sync"]');
	const out = list.map((k, i) => requiredText(k, `${field}[${i}]`, 100));
	return out.length ? out : undefined;
}

export function idList(ids: unknown, field = 'ids'): string[] | undefined {
	if (ids === undefined || ids === null) return undefined;
	const list = typeof ids === 'string' ? ids.split(',').map((s) => s.trim()).filter(Boolean) : ids;
	if (!Array.isArray(list)) throw new LedgerInputError(field, 'must be a list of entry ids');
	return list.map((id, i) => requiredText(id, `${field}[${i}]`, 100));
}
