import { LedgerInputError } from './errors';
import { untypeableCharacter } from './normalize';

/**
 * A required text input, trimmed; names the field when it is missing, too long, or holds a control
 * or half character (a reason typed on the kill switch or the review desk: PostgreSQL text cannot
 * hold NUL, and it threw instead of answering).
 */
export function requiredText(value: unknown, field: string, max = 500): string {
	if (typeof value !== 'string' || value.trim() === '') throw new LedgerInputError(field, 'is required');
	if (value.length > max) throw new LedgerInputError(field, `is longer than ${max} characters`);
	const untypeable = untypeableCharacter(value);
	if (untypeable) throw new LedgerInputError(field, untypeable);
	return value.trim();
}
