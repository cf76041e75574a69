import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

import { EmbeddedLedgerUnsupportedError } from '../errors';
import type { Row, SqlExecutor, SqliteConfig, SqlValue, Store } from './types';

/**
 * node:sqlite is loaded when an embedded ledger is opened, never when the pack loads: on a Node
 * without it (Node 20; 22 before 22.13 without --experimental-sqlite) n8n must still load every
 * node, and a PostgreSQL ledger needs none of it.
 */
function loadNodeSqlite(): typeof import('node:sqlite') {
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		return require('node:sqlite') as typeof import('node:sqlite');
	} catch (error) {
		throw new EmbeddedLedgerUnsupportedError(process.version, (error as Error).message);
	}
}

/** `$1` → `?1`: SQLite understands numbered parameters, so domain SQL stays portable. */
function toSqlitePlaceholders(sql: string): string {
	return sql.replace(/\$(\d+)/g, '?$1');
}

function toSqliteValue(value: SqlValue): SQLInputValue {
	if (typeof value === 'boolean') return value ? 1 : 0;
	return value;
}

/**
 * A queue of async work on one connection. node:sqlite is synchronous, but a transaction's body
 * awaits between statements; without this, two async callers could interleave inside one
 * transaction on the shared connection.
 */
class SerialQueue {
	private tail: Promise<unknown> = Promise.resolve();

	run<T>(work: () => Promise<T>): Promise<T> {
		const result = this.tail.then(work, work);
		this.tail = result.catch(() => undefined);
		return result;
	}
}

/**
 * Prepared statements by their portable SQL, least recently used first. Preparing (parse + plan) cost
 * more than running for the ledger's short statements, and the same few dozen statements repeat on
 * every call. SQLite re-prepares a cached statement itself if the schema changes (a migration in
 * another process), so a cached statement never runs against a stale schema. Cleared on close.
 */
export class StatementCache {
	private readonly statements = new Map<string, StatementSync>();

	constructor(
		private readonly db: DatabaseSync,
		readonly capacity = 256,
	) {}

	get(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (statement) {
			// Move to the most recently used end.
			this.statements.delete(sql);
		} else {
			statement = this.db.prepare(toSqlitePlaceholders(sql));
			if (this.statements.size >= this.capacity) this.statements.delete(this.statements.keys().next().value!);
		}
		this.statements.set(sql, statement);
		return statement;
	}

	get size(): number {
		return this.statements.size;
	}

	clear(): void {
		this.statements.clear();
	}
}

class SqliteExecutor implements SqlExecutor {
	readonly dialect = 'sqlite' as const;

	constructor(private readonly statements: StatementCache) {}

	async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
		return this.statements.get(sql).all(...params.map(toSqliteValue)) as T[];
	}

	async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
		return Number(this.statements.get(sql).run(...params.map(toSqliteValue)).changes);
	}
}

export class SqliteStore implements Store {
	readonly dialect = 'sqlite' as const;
	readonly location: string;
	private readonly db: DatabaseSync;
	private readonly executor: SqliteExecutor;
	/** Exposed for tests and benchmarks (size, clear); statements are an implementation detail. */
	readonly statements: StatementCache;
	private readonly queue = new SerialQueue();
	private closed = false;

	constructor(config: SqliteConfig) {
		const { DatabaseSync } = loadNodeSqlite();
		if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
		this.location = `sqlite:${config.path}`;
		this.db = new DatabaseSync(config.path, { timeout: config.busyTimeoutMs ?? 15_000 });
		// WAL lets readers run beside the single writer; NORMAL sync is durable across app crashes
		// in WAL mode and much faster than FULL.
		this.db.exec('PRAGMA journal_mode = WAL');
		this.db.exec('PRAGMA synchronous = NORMAL');
		this.db.exec('PRAGMA foreign_keys = ON');
		this.statements = new StatementCache(this.db);
		this.executor = new SqliteExecutor(this.statements);
	}

	query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
		return this.queue.run(() => this.executor.query<T>(sql, params));
	}

	execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
		return this.queue.run(() => this.executor.execute(sql, params));
	}

	transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
		return this.queue.run(async () => {
			// IMMEDIATE takes the write lock up front, so two processes cannot both read-then-write
			// and deadlock on upgrade; the busy timeout makes the second one wait instead of failing.
			this.statements.get('BEGIN IMMEDIATE').run();
			try {
				const result = await work(this.executor);
				this.statements.get('COMMIT').run();
				return result;
			} catch (error) {
				if (this.db.isTransaction) this.db.exec('ROLLBACK');
				throw error;
			}
		});
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.queue.run(async () => {
			// Statements must not outlive their connection: drop them first, then close.
			this.statements.clear();
			this.db.close();
		});
	}
}
