/**
 * The ledger's PostgreSQL pool when a process has more work at once than connections (a webhook
 * processor taking 50 signups at a time): statements wait their turn for a connection instead of
 * failing after pg's 5-second connection timeout, which once turned a busy pool into 503s for
 * visitors (ledger/store/postgres.ts PoolSlots). PostgreSQL only: SQLite has no pool.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, type PostgresConfig } from '../../ledger';
import { freshDatabase, type TestDatabase } from '../support/stores';

describe('[postgres] a busy pool: work waits for a connection, it does not fail', () => {
	let db: TestDatabase;
	let ledger: Ledger;
	before(async () => {
		db = await freshDatabase('postgres');
		// One connection for twenty-five callers that each hold it for 0.6 s: the last wait about 15 s
		// for it, longer than pg's connection timeout twice over (the store's one retry included).
		ledger = new Ledger(await openStore({ ...(db.config as PostgresConfig), maxConnections: 1 }));
	});
	after(async () => {
		await ledger?.close();
		await db.drop();
	});

	it('twenty-five callers on one connection: every busy spell and every signup goes through, in turn', async () => {
		const results = await Promise.allSettled(
			Array.from({ length: 25 }, async (_, i) => {
				await ledger.store.transaction((tx) => tx.query('SELECT pg_sleep(0.6)'));
				return ledger.contacts.upsert({ launch: 'pool', email: `busy-${i}@example.com`, source: 'test' });
			}),
		);
		const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
		assert.deepEqual(failures, [], 'no caller gave up waiting for a connection');
		assert.equal(await ledger.contacts.count('pool'), 25);
	});
});
