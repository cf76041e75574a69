import type { Migration } from './sql';

/**
 * Referral codes, referral credits and each launch's line (issue 19).
 *
 * The line is kept as counts in a 16-ary digit tree over each entry's 32-bit key (its score plus 2^31,
 * where score = signup number − spots per referral × credited referrals), so a place in line is a sum
 * of at most 8 small ranges of `line_counts` rows instead of a count over the whole list.
 */
export const referralTables: Migration = {
	version: 90,
	name: 'referral codes, credits and the line',
	statements: () => [
		// A code is global (a link carries only the code); a merged contact keeps every code it had.
		`CREATE TABLE IF NOT EXISTS referral_codes (
			code TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS referral_codes_contact ON referral_codes (contact_id)`,
		// The primary key is the "once per referred person" rule: a second referral of the same person
		// (another code, a repeat signup, a parallel one) finds the row already there.
		`CREATE TABLE IF NOT EXISTS referral_credits (
			launch TEXT NOT NULL,
			referred_id TEXT NOT NULL,
			referrer_id TEXT NOT NULL,
			code TEXT NOT NULL,
			status TEXT NOT NULL,
			reason TEXT,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (launch, referred_id)
		)`,
		`CREATE INDEX IF NOT EXISTS referral_credits_referrer ON referral_credits (launch, referrer_id, status)`,
		// One row per launch: the next signup number, and the setting that turns credits into places.
		// Every change to a launch's line locks this row first, so line writers never deadlock.
		`CREATE TABLE IF NOT EXISTS line_settings (
			launch TEXT PRIMARY KEY,
			next_number BIGINT NOT NULL,
			spots_per_referral INTEGER NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS line_entries (
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			number BIGINT NOT NULL,
			credits INTEGER NOT NULL DEFAULT 0,
			score BIGINT NOT NULL,
			joined_at BIGINT NOT NULL,
			PRIMARY KEY (launch, contact_id)
		)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS line_entries_number ON line_entries (launch, number)`,
		`CREATE INDEX IF NOT EXISTS line_entries_score ON line_entries (launch, score, number)`,
		`CREATE TABLE IF NOT EXISTS line_counts (
			launch TEXT NOT NULL,
			level INTEGER NOT NULL,
			prefix BIGINT NOT NULL,
			count BIGINT NOT NULL,
			PRIMARY KEY (launch, level, prefix)
		)`,
	],
};
