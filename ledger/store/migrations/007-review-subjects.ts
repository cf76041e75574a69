import type { Migration } from './sql';

/**
 * Review items name their cause (a "subject": the purchase's order, a pair of contacts, an outbox
 * entry …), so settling the cause closes every item it opened, and the same cause never has two open
 * items: the partial unique index decides that, not a search before the insert. Who resolved an item
 * is kept beside what was decided.
 */
export const reviewSubjects: Migration = {
	version: 7,
	name: 'review item subjects, resolved by',
	statements: () => [
		`ALTER TABLE review_items ADD COLUMN subject TEXT`,
		`ALTER TABLE review_items ADD COLUMN resolved_by TEXT`,
		`CREATE UNIQUE INDEX IF NOT EXISTS review_items_open_subject ON review_items (launch, subject) WHERE status = 'open' AND subject IS NOT NULL`,
		`CREATE INDEX IF NOT EXISTS review_items_subject ON review_items (launch, subject, status)`,
	],
};
