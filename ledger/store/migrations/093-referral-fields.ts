import type { Migration } from './sql';

/**
 * The ESP's referral custom fields (referral_link, place_in_line, referral_count), issue 19.
 *
 * `referral_field_changes` holds one mark per contact whose fields may have changed since they were
 * last handed to the ESP (a credit, a place taken by someone overtaking them). The primary key
 * coalesces a referral wave: ten credits for one referrer leave one mark. An ESP drain takes the marks
 * (deletes them) and turns the contacts whose values really differ from `referral_fields_sent` into
 * one ESP sync each.
 */
export const referralFields: Migration = {
	version: 93,
	name: 'referral custom fields for the ESP',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS referral_field_changes (
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			marked_at BIGINT NOT NULL,
			PRIMARY KEY (launch, contact_id)
		)`,
		`CREATE INDEX IF NOT EXISTS referral_field_changes_marked ON referral_field_changes (launch, marked_at)`,
		// What the ESP was last handed for each contact (at claim time), so a mark whose values came
		// back to what the ESP already has sends nothing.
		`CREATE TABLE IF NOT EXISTS referral_fields_sent (
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			code TEXT NOT NULL,
			place BIGINT NOT NULL,
			referral_count INTEGER NOT NULL,
			sent_at BIGINT NOT NULL,
			PRIMARY KEY (launch, contact_id)
		)`,
	],
};
