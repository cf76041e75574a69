import type { Migration } from './sql';

/**
 * When an unsigned delivery (a Gumroad ping) was confirmed through the provider's API. Kept on the
 * inbox entry, so whoever processes the entry later — the workflow the trigger started, or a replay
 * after that run failed — knows the sale is real without trusting what a workflow item says.
 */
export const purchaseInboxConfirmed: Migration = {
	version: 22,
	name: 'purchase_inbox.confirmed_at',
	statements: () => [`ALTER TABLE purchase_inbox ADD COLUMN confirmed_at BIGINT`],
};
