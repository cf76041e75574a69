/**
 * The ledger on PostgreSQL when the database restarts or goes away (issue 20, row 13), through a TCP
 * proxy the test controls (test/support/pg-proxy.ts), never the machine's server. PostgreSQL only:
 * the embedded SQLite ledger has no connection to lose.
 *
 * A connection that fails before COMMIT is retried once on a fresh connection (the server rolled the
 * first attempt back); a connection cut after COMMIT was sent is never retried, so nothing applies
 * twice; a database that stays away is a LedgerUnavailableError, not the driver's raw error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client } from 'pg';

import { Ledger, LedgerUnavailableError, openStore } from '../../ledger';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { freshDatabase, PG_BASE, type TestDatabase } from '../support/stores';

describe('[postgres] the ledger across a database restart and an outage', () => {
	let db: TestDatabase;
	let proxy: PgProxy;
	let ledger: Ledger;
	const schema = () => (db.config as { schema: string }).schema;

	async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
		const client = new Client(PG_BASE);
		await client.connect();
		try {
			return (await client.query(sql.replaceAll('$schema', `"${schema()}"`))).rows;
		} finally {
			await client.end();
		}
	}
	const signup = (email: string) => ledger.contacts.upsert({ launch: 'default', email, source: 'test' });

	before(async () => {
		db = await freshDatabase('postgres');
		proxy = await startPgProxy();
		ledger = new Ledger(await openStore({ driver: 'postgres', ...proxy.config, schema: schema() }));
	});
	after(async () => {
		await ledger?.close();
		await proxy?.close();
		await db?.drop();
	});

	it('a restart: a signup sent while the server starts up is stored (the retry waits, then uses a fresh connection)', async () => {
		await signup('before@example.com');
		// Every session is ended (57P01); the next connection is turned away as "starting up" (57P03).
		// Without the retry this signup failed with 57P03 (or 57P01 from a pooled connection).
		await proxy.restart(1);
		assert.equal((await signup('r1@example.com')).created, true);
		assert.equal(proxy.turnedAway(), 1);
		const results = await Promise.all(['r2', 'r3'].map((n) => signup(`${n}@example.com`)));
		assert.deepEqual(results.map((r) => r.created), [true, true]);
	});

	it('a connection cut after COMMIT was sent is not retried: applied once, and the caller told', async () => {
		proxy.dropOnCommit();
		// tags.add runs in a transaction; its COMMIT reaches the server, the answer never comes back.
		await assert.rejects(ledger.tags.add({ launch: 'default', tag: 'commit-cut' }), (error: unknown) => error instanceof LedgerUnavailableError);
		const [events] = await rows(`SELECT COUNT(*)::int AS n FROM $schema.events WHERE type = 'tag_registry.added' AND data LIKE '%commit-cut%'`);
		assert.equal(events!.n, 1, 'committed once, never applied twice');
		const again = await ledger.tags.add({ launch: 'default', tag: 'commit-cut' });
		assert.equal(again.created, false, 'the caller trying again finds it there');
	});

	it('an outage: LedgerUnavailableError naming the database, then back to normal when it returns', async () => {
		await proxy.refuse();
		await assert.rejects(signup('outage@example.com'), (error: unknown) => {
			assert.ok(error instanceof LedgerUnavailableError, `got ${(error as Error).name}: ${(error as Error).message}`);
			assert.match(error.message, /cannot be reached/);
			assert.match(error.message, /127\.0\.0\.1/);
			return true;
		});
		await proxy.accept();
		assert.equal((await signup('after@example.com')).created, true);
		const [row] = await rows(`SELECT COUNT(*)::int AS n FROM $schema.contacts`);
		// before, r1–r3, after: each once; the refused one not at all.
		assert.equal(row!.n, 5);
	});
});
