import type { Migration } from './sql';

/**
 * When a refunded purchase loses access is decided once, at the refund, with the window configured
 * then; later events, pins and the sweep read it instead of recomputing it from their own options.
 */
export const purchaseRevokeAt: Migration = {
	version: 21,
	name: 'purchases.revoke_at',
	statements: () => [`ALTER TABLE purchases ADD COLUMN revoke_at BIGINT`],
};
