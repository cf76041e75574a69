import type { Migration } from './sql';
import { serialKey } from './sql';

/**
 * Sign-in attempts on the pages the pack serves from n8n (the kill switch, the dashboard):
 * - page_sign_in_throttle: one row per (launch, page, client address): consecutive failures, until
 *   when the address is refused without a password check, and how many tries that refused. The
 *   primary key makes two concurrent failures one row with both counted.
 * - page_sign_in_failures: one row per wrong password that was checked (the throttle bounds them per
 *   address: a few, then one per doubling wait), so the monitor counts them per window.
 */
export const pageSignIn: Migration = {
	version: 50,
	name: 'page sign-in throttle and failures',
	statements: (dialect) => [
		`CREATE TABLE IF NOT EXISTS page_sign_in_throttle (
			launch TEXT NOT NULL,
			page TEXT NOT NULL,
			address TEXT NOT NULL,
			failures INTEGER NOT NULL DEFAULT 0,
			total_failures INTEGER NOT NULL DEFAULT 0,
			refused_while_blocked INTEGER NOT NULL DEFAULT 0,
			blocked_until BIGINT,
			last_failed_at BIGINT,
			PRIMARY KEY (launch, page, address)
		)`,
		`CREATE TABLE IF NOT EXISTS page_sign_in_failures (
			id ${serialKey(dialect)},
			launch TEXT NOT NULL,
			page TEXT NOT NULL,
			address TEXT NOT NULL,
			user_name TEXT,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS page_sign_in_failures_launch ON page_sign_in_failures (launch, at)`,
	],
};
