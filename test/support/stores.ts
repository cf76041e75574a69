/**
 * Real databases for ledger tests. Every test gets a fresh ledger: a new SQLite file in a temp
 * folder, or a new PostgreSQL schema (dropped afterwards). PostgreSQL not answering is a failure
 * that names the service, never a skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { Ledger, openStore, type PostgresConfig, type SqliteConfig, type StoreConfig } from '../../ledger';

export const PG_BASE = {
	host: process.env.PGHOST ?? '127.0.0.1',
	port: Number(process.env.PGPORT ?? 5432),
	user: process.env.PGUSER ?? 'postgres',
	password: process.env.PGPASSWORD,
	database: process.env.PGDATABASE ?? 'test',
};

export type DriverName = 'sqlite' | 'postgres';
export const DRIVERS: DriverName[] = ['sqlite', 'postgres'];

export async function assertPostgresReachable(): Promise<void> {
	const client = new Client({ ...PG_BASE, connectionTimeoutMillis: 5_000 });
	try {
		await client.connect();
		await client.query('SELECT 1');
	} catch (error) {
		throw new Error(
			`PostgreSQL is not answering at ${PG_BASE.host}:${PG_BASE.port} (database ${PG_BASE.database}, user ${PG_BASE.user}): ${(error as Error).message}. ` +
				'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) — the ledger tests need it and are not skipped.',
		);
	} finally {
		await client.end().catch(() => undefined);
	}
}

export interface TestDatabase {
	driver: DriverName;
	config: StoreConfig;
	/** Removes the database (file or schema). */
	drop(): Promise<void>;
}

/** A fresh, empty database description (nothing opened yet), for tests that spawn processes. */
export async function freshDatabase(driver: DriverName): Promise<TestDatabase> {
	if (driver === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'wl-ledger-'));
		const config: SqliteConfig = { driver: 'sqlite', path: join(dir, 'ledger.sqlite') };
		return { driver, config, drop: async () => rmSync(dir, { recursive: true, force: true }) };
	}
	await assertPostgresReachable();
	const schema = `t_${randomBytes(6).toString('hex')}`;
	const config: PostgresConfig = { driver: 'postgres', ...PG_BASE, schema };
	return {
		driver,
		config,
		drop: async () => {
			const client = new Client(PG_BASE);
			await client.connect();
			await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
			await client.end();
		},
	};
}

export interface TestLedger extends TestDatabase {
	ledger: Ledger;
	/** Closes the ledger and drops its database. */
	cleanup(): Promise<void>;
}

export async function freshLedger(driver: DriverName): Promise<TestLedger> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	return {
		...db,
		ledger,
		cleanup: async () => {
			await ledger.close();
			await db.drop();
		},
	};
}
