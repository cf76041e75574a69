import type { Migration } from './sql';

/**
 * Whether an unsigned delivery's sale confirmation is still pending: the provider's API could not be
 * reached (or refused the token), so the delivery waits for the provider's repeat instead of being
 * processed unconfirmed. Until now that state was read from a prefix of `last_error`; a flag is data
 * the trigger's duplicate rule and the replay filter can rely on, and `last_error` stays for people.
 * Rows already waiting (the old prefix, never confirmed) are marked pending.
 */
export const purchaseInboxConfirmation: Migration = {
	version: 24,
	name: 'purchase_inbox.confirmation_pending',
	statements: () => [
		`ALTER TABLE purchase_inbox ADD COLUMN confirmation_pending INTEGER NOT NULL DEFAULT 0`,
		`UPDATE purchase_inbox SET confirmation_pending = 1 WHERE last_error LIKE 'confirmation_unavailable%' AND confirmed_at IS NULL`,
	],
};
