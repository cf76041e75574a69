import { createHash } from 'node:crypto';

import { Pool, type PoolClient, type PoolConfig, type QueryConfig, types } from 'pg';

import { isConnectionError, isReadOnly, pauseBeforeRetry, provedNotApplied, unavailable } from './pg-faults';
import type { PostgresConfig, Row, SqlExecutor, SqlValue, Store } from './types';

// int8 (COUNT, BIGINT epoch-ms columns) arrives as a string by default; the ledger's values fit
// safely in a JS number.
types.setTypeParser(20, (value) => Number(value));

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Names for server-side prepared statements. A named statement is parsed and planned once per
 * connection; later runs send only Bind/Execute, which saves the server most of its work for the
 * ledger's short statements. Only statements with parameters are named (DDL and one-off SQL stay
 * unnamed), never ones whose result shape follows the table (`*` in the select list / RETURNING,
 * which a concurrent migration could change under a cached plan), and at most MAX_NAMED distinct
 * texts per store, so SQL built with a varying number of placeholders cannot grow the per-connection
 * statement cache without bound.
 */
class StatementNames {
	private static readonly MAX_NAMED = 500;
	private readonly names = new Map<string, string | null>();

	nameFor(sql: string, params: readonly SqlValue[]): string | undefined {
		if (params.length === 0) return undefined;
		let name = this.names.get(sql);
		if (name === undefined) {
			const eligible = this.names.size < StatementNames.MAX_NAMED && !/(SELECT|RETURNING)\s+\*/i.test(sql);
			name = eligible ? `wl_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}` : null;
			this.names.set(sql, name);
		}
		return name ?? undefined;
	}
}

/**
 * How long a statement waits for one of this process's connections while all are busy (the server
 * answers; the process has more work at once than connections, as a webhook processor taking 50
 * signups at a time on a loaded machine). pg's own connectionTimeoutMillis counts that wait too, and
 * its 5 s there turned a busy pool into needless 503s; here the wait for a free slot is this long and
 * the 5 s bound only the connecting itself (a server that accepts nothing).
 */
export const POOL_SLOT_WAIT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** At most `size` connections checked out at once; the rest wait in order, up to `waitMs` each. */
class PoolSlots {
	private free: number;
	private readonly waiting: Array<{ grant: () => void; timer: NodeJS.Timeout }> = [];

	constructor(
		private readonly size: number,
		private readonly waitMs: number,
	) {
		this.free = size;
	}

	acquire(): Promise<() => void> {
		if (this.free > 0) {
			this.free--;
			return Promise.resolve(this.releaser());
		}
		return new Promise((resolve, reject) => {
			const waiter = {
				grant: () => {
					clearTimeout(waiter.timer);
					resolve(this.releaser());
				},
				timer: setTimeout(() => {
					this.waiting.splice(this.waiting.indexOf(waiter), 1);
					// Worded as pg words its own pool timeout, so it counts as "no connection, nothing sent" (pg-faults.ts).
					reject(new Error(`timeout exceeded when trying to connect: all ${this.size} ledger connections of this process stayed busy for ${this.waitMs / 1000} s`));
				}, this.waitMs),
			};
			this.waiting.push(waiter);
		});
	}

	private releaser(): () => void {
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const next = this.waiting.shift();
			if (next) next.grant();
			else this.free++;
		};
	}
}

class PostgresExecutor implements SqlExecutor {
	readonly dialect = 'postgres' as const;

	constructor(
		private readonly client: Pool | PoolClient,
		private readonly names: StatementNames,
	) {}

	run(sql: string, params: readonly SqlValue[]) {
		const config: QueryConfig = { text: sql, values: params as unknown[], name: this.names.nameFor(sql, params) };
		return this.client.query(config);
	}

	async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
		return (await this.run(sql, params)).rows as T[];
	}

	async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
		return (await this.run(sql, params)).rowCount ?? 0;
	}
}

export class PostgresStore implements Store {
	readonly dialect = 'postgres' as const;
	readonly location: string;
	readonly schema: string;
	private readonly pool: Pool;
	private readonly slots: PoolSlots;
	private readonly names = new StatementNames();

	constructor(config: PostgresConfig) {
		this.schema = (config.schema ?? 'waitlist_ledger').toLowerCase();
		if (!SCHEMA_NAME.test(this.schema)) {
			throw new Error(
				`Schema "${config.schema}" is not a valid name: use lowercase letters, digits and underscores, e.g. waitlist_ledger`,
			);
		}
		const poolConfig: PoolConfig = {
			connectionString: config.connectionString,
			host: config.host,
			port: config.port,
			database: config.database,
			user: config.user,
			password: config.password,
			ssl: config.ssl,
			max: config.maxConnections ?? 10,
			// A server that accepts nothing (down, firewalled) fails the call instead of holding it forever.
			// PoolSlots keeps checkouts within `max`, so pg never queues and this bounds connecting only.
			connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
			// Every connection works inside the ledger's schema, so domain SQL never names it.
			options: `-c search_path=${this.schema},public`,
		};
		this.pool = new Pool(poolConfig);
		this.slots = new PoolSlots(poolConfig.max!, POOL_SLOT_WAIT_MS);
		// An idle client that loses its server must not crash the n8n process; neither must a checked-out
		// one between two statements (pg emits 'error' on the client then; the next statement fails).
		this.pool.on('error', () => undefined);
		this.pool.on('connect', (client) => client.on('error', () => undefined));
		const where = config.connectionString
			? config.connectionString.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
			: `${config.user ?? ''}@${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
		this.location = `postgres:${where} schema ${this.schema}`;
	}

	async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
		return (await this.statement(sql, params)).rows as T[];
	}

	async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
		return (await this.statement(sql, params)).rowCount ?? 0;
	}

	/**
	 * A statement outside a transaction. Sent once more on a fresh connection when the first failure
	 * proves it did not apply (no connection to send it on; the server ended the session, as in a
	 * restart) or when it only reads. A write whose socket was cut without the server's word is not
	 * resent — it may have committed — and is reported unavailable.
	 */
	private async statement(sql: string, params: readonly SqlValue[]) {
		for (let attempt = 1; ; attempt++) {
			const progress = { sent: false };
			try {
				return await this.once(sql, params, progress);
			} catch (error) {
				if (!isConnectionError(error)) throw error;
				if (attempt >= 2 || (progress.sent && !isReadOnly(sql) && !provedNotApplied(error))) throw unavailable(this.location, error);
				await pauseBeforeRetry();
			}
		}
	}

	/** A connection of this process's pool, waiting for a free one up to POOL_SLOT_WAIT_MS. */
	private async checkOut(): Promise<{ client: PoolClient; done: (broken: boolean) => void }> {
		const releaseSlot = await this.slots.acquire();
		try {
			const client = await this.pool.connect();
			return {
				client,
				done: (broken) => {
					// A broken connection is destroyed, never handed to the next caller.
					client.release(broken);
					releaseSlot();
				},
			};
		} catch (error) {
			releaseSlot();
			throw error;
		}
	}

	private async once(sql: string, params: readonly SqlValue[], progress: { sent: boolean }) {
		const { client, done } = await this.checkOut();
		let broken = false;
		try {
			progress.sent = true;
			return await new PostgresExecutor(client, this.names).run(sql, params);
		} catch (error) {
			broken = isConnectionError(error);
			throw error;
		} finally {
			done(broken);
		}
	}

	/**
	 * Runs `work` in one transaction. When the connection fails before COMMIT is sent (a pooled
	 * connection the server closed during a restart, a refused connect), the server has rolled the
	 * transaction back, so it runs once more on a fresh connection; a failure during COMMIT itself is
	 * never retried (the outcome is unknown). A second failure is a LedgerUnavailableError.
	 */
	async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			const progress = { commitSent: false };
			try {
				return await this.attempt(work, progress);
			} catch (error) {
				if (!isConnectionError(error)) throw error;
				if (attempt >= 2 || progress.commitSent) throw unavailable(this.location, error);
				await pauseBeforeRetry();
			}
		}
	}

	private async attempt<T>(work: (tx: SqlExecutor) => Promise<T>, progress: { commitSent: boolean }): Promise<T> {
		const { client, done } = await this.checkOut();
		let broken = false;
		try {
			await client.query('BEGIN');
			const result = await work(new PostgresExecutor(client, this.names));
			progress.commitSent = true;
			await client.query('COMMIT');
			return result;
		} catch (error) {
			broken = isConnectionError(error);
			if (!broken) await client.query('ROLLBACK').catch(() => undefined);
			throw error;
		} finally {
			done(broken);
		}
	}

	/** Creates the schema if missing; runs before migrations (which need it on the search path). */
	async ensureSchema(): Promise<void> {
		await this.execute(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`).catch(async (error: unknown) => {
			if (!(error instanceof Error) || error.name === 'LedgerUnavailableError') throw error;
			// Two processes racing on CREATE SCHEMA IF NOT EXISTS can hit a unique violation.
			const exists = await this.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
			if (exists.length === 0) throw error;
		});
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}
