import type { Migration } from './sql';

export const forgetTombstones: Migration = {
	version: 4,
	name: 'forget tombstones, ledger keys',
	statements: () => [
		// HMAC of (launch, kind, normalized value) of every identifier of a forgotten person: enough to
		// recognise a replay of their old data, not enough to recover who they were.
		`CREATE TABLE IF NOT EXISTS forgotten_identifiers (
			launch TEXT NOT NULL,
			kind TEXT NOT NULL,
			hash TEXT NOT NULL,
			forgotten_at BIGINT NOT NULL,
			PRIMARY KEY (launch, kind, hash)
		)`,
		// Per-ledger secrets (the tombstone HMAC key), created on first use.
		`CREATE TABLE IF NOT EXISTS ledger_keys (
			name TEXT PRIMARY KEY,
			secret TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
	],
};
