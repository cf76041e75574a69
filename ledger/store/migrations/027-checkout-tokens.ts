import type { Migration } from './sql';

/**
 * Checkout tokens as rows of their own (they were only purchase_token identifiers): when each was
 * made, for which product, until when it is handed out again, and when a payment used it. The
 * checkout link reuses an open token per (contact, product) and caps new ones per contact and hour,
 * so anyone posting someone else's address cannot pile up tokens on them. Tokens made before this
 * migration stay valid for matching; they are simply never reused.
 */
export const checkoutTokens: Migration = {
	version: 27,
	name: 'checkout_tokens',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS checkout_tokens (
			token TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			product_id TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			used_at BIGINT
		)`,
		`CREATE INDEX IF NOT EXISTS checkout_tokens_contact ON checkout_tokens (launch, contact_id, created_at)`,
	],
};
