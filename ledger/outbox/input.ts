import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import type { SentReferralFields } from '../referrals/fields';

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

/**
 * The referral fields an ack says its step sent (an object, or its JSON text from a node); none when
 * empty. A place in line starts at 1.
 */
export function sentReferralFields(value: unknown, field: string): SentReferralFields | null {
	if (value === undefined || value === null || value === '') return null;
	let fields = value;
	if (typeof value === 'string') {
		try {
			fields = JSON.parse(value);
		} catch {
			throw new LedgerInputError(field, `must be the referral fields the step sent, e.g. {"code":"DJ4N872G","placeInLine":12,"referralCount":3}; got text that is not JSON: ${JSON.stringify(value.slice(0, 80))}`);
		}
	}
	if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw new LedgerInputError(field, 'must be an object with code, placeInLine and referralCount (the trigger\'s sync.esp_sync.referralFields)');
	const f = fields as Record<string, unknown>;
	return {
		code: requiredText(f.code, `${field}.code`, 100),
		placeInLine: wholeNumber(f.placeInLine, `${field}.placeInLine`, 1, Number.MAX_SAFE_INTEGER),
		referralCount: wholeNumber(f.referralCount, `${field}.referralCount`, 0, Number.MAX_SAFE_INTEGER),
	};
}
