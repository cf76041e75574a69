import type { Migration } from './sql';

/**
 * Purchases: the durable webhook inbox, the product catalog, one row per purchase (order) and the
 * access state per (contact, product).
 *
 * - purchase_inbox.dedupe_key: the provider's event id for a verified delivery, so a repeat (even 20
 *   at the same moment) inserts once. A rejected delivery gets a key of its own: its claimed event id
 *   is untrusted and must not block the genuine delivery of that id.
 * - access.version: bumped on every transition; outbox idempotency keys include it, so a repeated
 *   event cannot enqueue a second grant, while a real re-grant (dispute won) gets a new key.
 */
export const purchaseTables: Migration = {
	version: 20,
	name: 'purchase inbox, products, purchases, access',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS purchase_inbox (
			id TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			provider TEXT NOT NULL,
			dedupe_key TEXT NOT NULL,
			event_id TEXT,
			event_type TEXT,
			raw_body TEXT NOT NULL,
			headers TEXT NOT NULL DEFAULT '{}',
			signature_ok INTEGER NOT NULL,
			signature_reason TEXT,
			status TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 1,
			contact_id TEXT,
			decision TEXT,
			last_error TEXT,
			received_at BIGINT NOT NULL,
			processed_at BIGINT,
			UNIQUE (launch, provider, dedupe_key)
		)`,
		`CREATE INDEX IF NOT EXISTS purchase_inbox_status ON purchase_inbox (launch, status, received_at)`,
		`CREATE INDEX IF NOT EXISTS purchase_inbox_contact ON purchase_inbox (contact_id)`,
		`CREATE TABLE IF NOT EXISTS purchase_products (
			launch TEXT NOT NULL,
			product_id TEXT NOT NULL,
			name TEXT,
			amount BIGINT,
			currency TEXT,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (launch, product_id)
		)`,
		// A provider's product id (Stripe price, Lemon Squeezy product, Shopify product …) → ours.
		`CREATE TABLE IF NOT EXISTS purchase_product_aliases (
			launch TEXT NOT NULL,
			provider TEXT NOT NULL,
			provider_product_id TEXT NOT NULL,
			product_id TEXT NOT NULL,
			PRIMARY KEY (launch, provider, provider_product_id)
		)`,
		`CREATE TABLE IF NOT EXISTS purchases (
			id TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			provider TEXT NOT NULL,
			order_id TEXT NOT NULL,
			contact_id TEXT,
			product_id TEXT,
			captured_at BIGINT,
			refunded_at BIGINT,
			refunded_amount BIGINT,
			dispute TEXT,
			amount BIGINT,
			currency TEXT,
			email TEXT,
			customer_id TEXT,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			UNIQUE (launch, provider, order_id)
		)`,
		`CREATE INDEX IF NOT EXISTS purchases_contact_product ON purchases (contact_id, product_id)`,
		`CREATE TABLE IF NOT EXISTS access (
			launch TEXT NOT NULL,
			contact_id TEXT NOT NULL,
			product_id TEXT NOT NULL,
			state TEXT NOT NULL DEFAULT 'none',
			version INTEGER NOT NULL DEFAULT 0,
			revoke_after BIGINT,
			pin TEXT,
			pin_reason TEXT,
			pinned_by TEXT,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (launch, contact_id, product_id)
		)`,
		`CREATE INDEX IF NOT EXISTS access_due ON access (launch, state, revoke_after)`,
	],
};
