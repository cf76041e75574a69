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

/**
 * The ledger's database cannot be reached right now (connection refused or dropped, server
 * restarting), after one retry on a fresh connection. Nothing was written. Webhooks answer it 503
 * with Retry-After, so visitors and payment providers try again instead of seeing a stack trace.
 */
export class LedgerUnavailableError extends Error {
	readonly code = 'ledger_unavailable';
	constructor(
		readonly location: string,
		readonly detail: string,
	) {
		super(`the ledger's database (${location}) cannot be reached: ${detail}`);
		this.name = 'LedgerUnavailableError';
	}
}

/**
 * The embedded (SQLite) ledger cannot open because the Node that runs n8n has no `node:sqlite`
 * (added unflagged in Node 22.13). Not an outage: retrying does not help, so it is never answered
 * as one; the message says what to do instead.
 */
export class EmbeddedLedgerUnsupportedError extends Error {
	readonly code = 'embedded_ledger_unsupported';
	constructor(
		readonly nodeVersion: string,
		readonly detail: string,
	) {
		super(
			`the embedded SQLite ledger needs node:sqlite, which the Node.js running this n8n (${nodeVersion}) does not have (Node 22.13 and later have it). ` +
				'Use a PostgreSQL ledger: a Waitlist Ledger credential with Storage "PostgreSQL", selected on each node of the pack (Storage "PostgreSQL Credential"), ' +
				'or WAITLIST_LEDGER_DATABASE_URL set on the n8n server. Or upgrade n8n to a version that runs on Node 22.13 or later (n8n 2.36 and later require Node 24)',
		);
		this.name = 'EmbeddedLedgerUnsupportedError';
	}
}

/** True for a LedgerUnavailableError, also when n8n wrapped it (NodeOperationError keeps it as `cause`). */
export function isLedgerUnavailable(error: unknown): error is LedgerUnavailableError {
	for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
		if (e instanceof LedgerUnavailableError || (e as { code?: unknown }).code === 'ledger_unavailable') return true;
	}
	return false;
}
