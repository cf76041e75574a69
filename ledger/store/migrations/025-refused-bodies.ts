import type { Migration } from './sql';

/**
 * Refused requests kept small and throttled (ledger/refusals.ts). Until now a payment delivery that
 * failed verification kept up to 1 MB of body, every one of them: anyone could fill the disk.
 *
 * - purchase_inbox.body_bytes / body_sha256 / body_cut: the delivery's real size and hash; body_cut = 1
 *   when raw_body holds only a prefix (refused deliveries). Verified deliveries are kept whole.
 * - purchase_inbox.remote_address: the client address a refusal is counted against.
 * - refusal_windows: refusals per source (provider + address, or address) per 10-minute window; the
 *   upsert on its key decides which are kept as rows. Shared by payments and signups (`surface`).
 * - refusal_counts: refusals over the cap, one counter row per minute, kind (provider) and reason.
 */
export const refusedBodies: Migration = {
	version: 25,
	name: 'purchase_inbox body size/hash/cut, remote_address; refusal_windows, refusal_counts',
	statements: () => [
		`ALTER TABLE purchase_inbox ADD COLUMN body_bytes BIGINT`,
		`ALTER TABLE purchase_inbox ADD COLUMN body_sha256 TEXT`,
		`ALTER TABLE purchase_inbox ADD COLUMN body_cut INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE purchase_inbox ADD COLUMN remote_address TEXT`,
		`CREATE TABLE IF NOT EXISTS refusal_windows (
			launch TEXT NOT NULL,
			surface TEXT NOT NULL,
			source TEXT NOT NULL,
			window_start BIGINT NOT NULL,
			seen INTEGER NOT NULL,
			PRIMARY KEY (launch, surface, source, window_start)
		)`,
		`CREATE TABLE IF NOT EXISTS refusal_counts (
			launch TEXT NOT NULL,
			surface TEXT NOT NULL,
			bucket BIGINT NOT NULL,
			kind TEXT NOT NULL,
			reason TEXT NOT NULL,
			refused INTEGER NOT NULL,
			bytes BIGINT NOT NULL,
			PRIMARY KEY (launch, surface, bucket, kind, reason)
		)`,
	],
};
