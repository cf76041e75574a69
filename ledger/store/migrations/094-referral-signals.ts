import type { Migration } from './sql';

/**
 * The launch monitor's referral signals (issue 19): referral signups per window are counted by the
 * credit's creation time, withheld credits by status. Both are index ranges, never a scan of the list.
 * And the status page's optional leaderboard: the top referrers by counted referrals, ties to the
 * earlier signup, read as the first rows of an index.
 */
export const referralSignals: Migration = {
	version: 94,
	name: 'referral signal and leaderboard indexes',
	statements: () => [
		`CREATE INDEX IF NOT EXISTS referral_credits_created ON referral_credits (launch, created_at)`,
		`CREATE INDEX IF NOT EXISTS referral_credits_status ON referral_credits (launch, status)`,
		`CREATE INDEX IF NOT EXISTS line_entries_credits ON line_entries (launch, credits DESC, number)`,
	],
};
