import { homedir } from 'node:os';
import { join } from 'node:path';

import { migrate } from './migrations';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';
import type { Store, StoreConfig } from './types';

export type { Dialect, PostgresConfig, Row, SqlExecutor, SqliteConfig, SqlValue, Store, StoreConfig } from './types';
export { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations';
export { forUpdate, inList } from './params';
export { PostgresStore } from './postgres';
export { SqliteStore } from './sqlite';

/**
 * Where the embedded ledger lives when no credential says otherwise: next to n8n's own database,
 * in the n8n user folder (n8n resolves it the same way: N8N_USER_FOLDER or the home folder, + .n8n).
 */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
	if (env.WAITLIST_LEDGER_SQLITE_PATH) return env.WAITLIST_LEDGER_SQLITE_PATH;
	return join(env.N8N_USER_FOLDER ?? homedir(), '.n8n', 'waitlist-ledger.sqlite');
}

/** The environment variable that points every pack node without a credential at one PostgreSQL ledger. */
export const LEDGER_DATABASE_URL_ENV = 'WAITLIST_LEDGER_DATABASE_URL';

/**
 * The ledger a node uses when its Storage is "Default": the server's WAITLIST_LEDGER_DATABASE_URL
 * (postgres://user:password@host:5432/db, optional `?schema=name&sslmode=require`) when set — one
 * place for the whole pack, so no template can quietly keep its own ledger — else the embedded file.
 */
export function defaultStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
	const raw = env[LEDGER_DATABASE_URL_ENV]?.trim();
	if (!raw) return { driver: 'sqlite', path: defaultSqlitePath(env) };
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new Error(`${LEDGER_DATABASE_URL_ENV} is not a URL; set it like postgres://user:password@db.example.com:5432/n8n, or unset it to use the embedded ledger`);
	}
	if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
		throw new Error(`${LEDGER_DATABASE_URL_ENV} must start with postgres:// (it starts with ${url.protocol}//); unset it to use the embedded ledger`);
	}
	// The schema is the ledger's own setting, not libpq's: taken out before pg reads the URL.
	const schema = url.searchParams.get('schema') ?? undefined;
	url.searchParams.delete('schema');
	return { driver: 'postgres', connectionString: url.toString(), schema };
}

export function createStore(config: StoreConfig): Store {
	return config.driver === 'sqlite' ? new SqliteStore(config) : new PostgresStore(config);
}

/** Opens a store and brings its schema up to date. */
export async function openStore(config: StoreConfig): Promise<Store> {
	const store = createStore(config);
	try {
		await migrate(store);
	} catch (error) {
		await store.close().catch(() => undefined);
		throw error;
	}
	return store;
}
