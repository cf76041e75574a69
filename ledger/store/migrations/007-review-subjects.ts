import type { Dialect } from '../types';
import type { Migration } from './sql';

/** A text field of the JSON payload, in each database's words. */
const field = (dialect: Dialect, key: string): string => (dialect === 'postgres' ? `(payload::json ->> '${key}')` : `json_extract(payload, '$.${key}')`);

/**
 * Review items name their cause (a "subject": the purchase's order, a pair of contacts, an outbox
 * entry … see ledger/review/subjects.ts), so settling the cause closes every item it opened, and
 * the same cause never has two open items: the partial unique index decides that, not a search
 * before the insert. Who resolved an item is kept beside what was decided.
 *
 * Open items from before get their subject from what they already record, and where one cause had
 * several open items (an unmatched purchase's deliveries and the sweep's item) the oldest stays open
 * and the others are closed as its duplicates — so the index can hold.
 */
export const reviewSubjects: Migration = {
	version: 7,
	name: 'review item subjects, resolved by',
	statements: (dialect) => {
		const f = (key: string) => field(dialect, key);
		const open = `status = 'open' AND subject IS NULL`;
		return [
			`ALTER TABLE review_items ADD COLUMN subject TEXT`,
			`ALTER TABLE review_items ADD COLUMN resolved_by TEXT`,
			`UPDATE review_items SET subject = 'order:' || ${f('orderId')} WHERE ${open} AND kind IN ('purchase', 'purchase_match') AND ${f('orderId')} IS NOT NULL`,
			`UPDATE review_items SET subject = 'event:' || ${f('provider')} || ':' || ${f('eventId')}
			  WHERE ${open} AND kind = 'purchase' AND ${f('provider')} IS NOT NULL AND ${f('eventId')} IS NOT NULL`,
			`UPDATE review_items SET subject = CASE WHEN contact_id < other_contact_id THEN 'contacts:' || contact_id || ':' || other_contact_id
			                                        ELSE 'contacts:' || other_contact_id || ':' || contact_id END
			  WHERE ${open} AND kind = 'link_identifier' AND contact_id IS NOT NULL AND other_contact_id IS NOT NULL`,
			`UPDATE review_items SET subject = 'identifier-limit:' || contact_id || ':' || ${f('kind')}
			  WHERE ${open} AND kind = 'link_identifier' AND contact_id IS NOT NULL AND other_contact_id IS NULL AND ${f('kind')} IS NOT NULL`,
			`UPDATE review_items SET subject = 'access:' || contact_id || ':' || ${f('productId')} || ':' || reason
			  WHERE ${open} AND kind = 'access' AND contact_id IS NOT NULL AND ${f('productId')} IS NOT NULL`,
			`UPDATE review_items SET status = 'resolved', resolution = 'duplicate: an older open item names the same cause', resolved_by = 'migration 7', resolved_at = ${Date.now()}
			  WHERE status = 'open' AND subject IS NOT NULL AND EXISTS (
				SELECT 1 FROM review_items o WHERE o.launch = review_items.launch AND o.subject = review_items.subject AND o.status = 'open'
				   AND (o.created_at < review_items.created_at OR (o.created_at = review_items.created_at AND o.id < review_items.id)))`,
			`CREATE UNIQUE INDEX IF NOT EXISTS review_items_open_subject ON review_items (launch, subject) WHERE status = 'open' AND subject IS NOT NULL`,
			`CREATE INDEX IF NOT EXISTS review_items_subject ON review_items (launch, subject, status)`,
		];
	},
};
