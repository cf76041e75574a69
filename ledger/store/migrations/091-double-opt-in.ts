import type { Migration } from './sql';

/**
 * Double opt-in (issue 19): one row per contact asked to confirm their address. No row: the contact
 * never had to (double opt-in was off when they signed up, or they came by Waitlist Contact). The
 * primary key makes the request once per person; `status` moves from unconfirmed to confirmed once
 * (a conditional UPDATE on the locked row), however many confirm clicks arrive at the same moment.
 */
export const doubleOptIn: Migration = {
	version: 91,
	name: 'double opt-in confirmations',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS optin_confirmations (
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			status TEXT NOT NULL,
			sent_by TEXT NOT NULL,
			requested_at BIGINT NOT NULL,
			confirmed_at BIGINT,
			confirmed_by TEXT,
			PRIMARY KEY (launch, contact_id)
		)`,
		// The report of contacts still unconfirmed after a while reads oldest first.
		`CREATE INDEX IF NOT EXISTS optin_confirmations_waiting ON optin_confirmations (launch, status, requested_at)`,
	],
};
