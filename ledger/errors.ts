/**
 * A problem with what the caller sent. `field` names the input that is wrong, so nodes can turn it
 * into a NodeOperationError and webhooks into a 4xx answer that says what to fix.
 */
export class LedgerInputError extends Error {
	constructor(
		readonly field: string,
		readonly reason: string,
	) {
		super(`${field}: ${reason}`);
		this.name = 'LedgerInputError';
	}
}

/**
 * Thrown when a replayed (or back-dated) write targets a person who was forgotten. Not an input
 * error: the caller should drop the entry as done.
 */
export class ForgottenIdentityError extends Error {
	readonly code = 'forgotten';
	constructor(
		readonly launch: string,
		readonly kind: string,
	) {
		super(`a ${kind} in this entry belongs to a person who was forgotten in launch "${launch}"; the entry is not applied`);
		this.name = 'ForgottenIdentityError';
	}
}
