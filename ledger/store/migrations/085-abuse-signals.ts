import type { Migration } from './sql';

/**
 * Abuse signals at capture (ledger/abuse/).
 *
 * - abuse_counters: signups per (signal, hashed key, fixed window). The count is kept by the database
 *   (INSERT … ON CONFLICT DO UPDATE … RETURNING), so every worker sees the same number and each signup
 *   gets its own place in the window. Keys are HMACs of the network or the address pattern, never raw.
 * - abuse_flags: a contact's flag set, one row per signal; its status is decided once by a person
 *   (open → cleared or spam) and a later signup does not reopen what was decided.
 */
export const abuseSignals: Migration = {
	version: 85,
	name: 'abuse signals: velocity counters and flags per contact',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS abuse_counters (
			launch TEXT NOT NULL,
			signal TEXT NOT NULL,
			key_hash TEXT NOT NULL,
			window_start BIGINT NOT NULL,
			signups INTEGER NOT NULL,
			PRIMARY KEY (launch, signal, key_hash, window_start)
		)`,
		`CREATE INDEX IF NOT EXISTS abuse_counters_window ON abuse_counters (launch, window_start)`,
		`CREATE TABLE IF NOT EXISTS abuse_flags (
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			signal TEXT NOT NULL,
			detail TEXT NOT NULL DEFAULT '{}',
			status TEXT NOT NULL DEFAULT 'open',
			flagged_at BIGINT NOT NULL,
			reviewed_by TEXT,
			reviewed_at BIGINT,
			PRIMARY KEY (contact_id, signal)
		)`,
		`CREATE INDEX IF NOT EXISTS abuse_flags_launch_status ON abuse_flags (launch, status, flagged_at)`,
		// The launch monitor counts flags raised per window.
		`CREATE INDEX IF NOT EXISTS abuse_flags_launch_flagged ON abuse_flags (launch, flagged_at)`,
	],
};
