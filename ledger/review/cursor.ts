import { LedgerInputError } from '../errors';

/**
 * Paging cursors for the review desk's lists: the sort key of the last row shown, opaque to the
 * caller (base64url JSON). A cursor that does not read back is refused, never guessed at.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
	return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: unknown, shape: readonly ('string' | 'number')[]): (string | number)[] | null {
	if (cursor === undefined || cursor === null || cursor === '') return null;
	let key: unknown;
	try {
		key = typeof cursor === 'string' && cursor.length <= 1000 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
	} catch {
		key = null;
	}
	if (!Array.isArray(key) || key.length !== shape.length || key.some((v, i) => typeof v !== shape[i])) {
		throw new LedgerInputError('cursor', 'is not a cursor this list gave out; start again from the first page (leave it empty)');
	}
	return key as (string | number)[];
}

/** 1–100 rows a page, 25 unless asked. */
export function pageSize(limit: unknown, fallback = 25): number {
	if (limit === undefined || limit === null) return fallback;
	const n = Number(limit);
	if (!Number.isInteger(n) || n < 1 || n > 100) throw new LedgerInputError('limit', `must be a whole number from 1 to 100; got ${JSON.stringify(limit)}`);
	return n;
}

export interface Page<T> {
	items: T[];
	/** Pass as `cursor` for the next page; null on the last one. */
	next: string | null;
}
