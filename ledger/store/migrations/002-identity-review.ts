import type { Migration } from './sql';

export const identityReview: Migration = {
	version: 2,
	name: 'contact field times, review items',
	statements: () => [
		// When each profile field's value was observed, so first-wins/last-wins survive out-of-order input.
		`ALTER TABLE contacts ADD COLUMN field_times TEXT NOT NULL DEFAULT '{}'`,
		`CREATE INDEX IF NOT EXISTS contacts_merged_into ON contacts (merged_into)`,
		// Links the ledger refused to make on its own (limit reached, identifier owned by another
		// contact): a person decides. Never a silent merge.
		`CREATE TABLE IF NOT EXISTS review_items (
			id TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			kind TEXT NOT NULL,
			reason TEXT NOT NULL,
			contact_id TEXT,
			other_contact_id TEXT,
			payload TEXT NOT NULL DEFAULT '{}',
			status TEXT NOT NULL DEFAULT 'open',
			resolution TEXT,
			created_at BIGINT NOT NULL,
			resolved_at BIGINT
		)`,
		`CREATE INDEX IF NOT EXISTS review_items_open ON review_items (launch, status, created_at)`,
		`CREATE INDEX IF NOT EXISTS review_items_contact ON review_items (contact_id)`,
	],
};
