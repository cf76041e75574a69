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
