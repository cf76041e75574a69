import type { Migration } from './sql';

/**
 * What the scheduled reconciliation has already told a person about. The sweep finds the same open
 * problem (a paid order with no contact, a duplicate in a vendor list) every hour until someone acts;
 * one row per problem lets its Review output (the Slack post) announce it once and remind after a
 * quiet period, instead of posting the same message every hour. The primary key settles which of two
 * sweeps running at once announces it.
 */
export const sweepAnnouncements: Migration = {
	version: 68,
	name: 'sweep announcements: one alert per open problem',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS sweep_announcements (
			launch TEXT NOT NULL,
			finding_key TEXT NOT NULL,
			announced_at BIGINT NOT NULL,
			times INTEGER NOT NULL,
			PRIMARY KEY (launch, finding_key)
		)`,
	],
};
