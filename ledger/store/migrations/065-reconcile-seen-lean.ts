import type { Migration } from './sql';

/**
 * The reconcile staging table keeps only its primary key. Its second index, by contact, cost as much
 * as the primary key on every staged vendor record (~300k rows for 100k contacts × 3 lists) and served
 * one query, "which contacts of this page did the vendor list have", which now reaches the staged rows
 * through the contacts' email identifiers and the primary key (ledger/reconcile/vendor-contacts.ts).
 */
export const reconcileSeenLean: Migration = {
	version: 65,
	name: 'reconcile staging without its by-contact index',
	statements: () => [`DROP INDEX IF EXISTS reconcile_seen_contact`],
};
