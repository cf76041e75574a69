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
