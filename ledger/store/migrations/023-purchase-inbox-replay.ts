import type { Migration } from './sql';

/**
 * How often a delivery that could not be processed was replayed, and when the next replay is due.
 * Without them a delivery whose processing always fails was tried — and shown on Review — by every
 * replay run (every minute in the templates); with them it is retried with a growing pause, never
 * dropped.
 */
export const purchaseInboxReplay: Migration = {
	version: 23,
	name: 'purchase_inbox.replay_attempts, next_replay_at',
	statements: () => [`ALTER TABLE purchase_inbox ADD COLUMN replay_attempts INTEGER NOT NULL DEFAULT 0`, `ALTER TABLE purchase_inbox ADD COLUMN next_replay_at BIGINT`],
};
