import { LedgerInputError } from './errors';

/** A required text input, trimmed; names the field when it is missing or too long. */
export function requiredText(value: unknown, field: string, max = 500): string {
	if (typeof value !== 'string' || value.trim() === '') throw new LedgerInputError(field, 'is required');
	if (value.length > max) throw new LedgerInputError(field, `is longer than ${max} characters`);
	return value.trim();
}
