import { Pool, type PoolClient, type PoolConfig, types } from 'pg';

import type { PostgresConfig, Row, SqlExecutor, SqlValue, Store } from './types';

// int8 (COUNT, BIGINT epoch-ms columns) arrives as a string by default; the ledger's values fit
// safely in a JS number.
types.setTypeParser(20, (value) => Number(value));

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

class PostgresExecutor implements SqlExecutor {
	readonly dialect = 'postgres' as const;

	constructor(private readonly client: Pool | PoolClient) {}

	async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
		const result = await this.client.query(sql, params as unknown[]);
		return result.rows as T[];
	}

	async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
		const result = await this.client.query(sql, params as unknown[]);
		return result.rowCount ?? 0;
	}
}

export class PostgresStore implements Store {
	readonly dialect = 'postgres' as const;
	readonly location: string;
	readonly schema: string;
	private readonly pool: Pool;
	private readonly executor: PostgresExecutor;

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
			// Every connection works inside the ledger's schema, so domain SQL never names it.
			options: `-c search_path=${this.schema},public`,
		};
		this.pool = new Pool(poolConfig);
		// An idle client that loses its server must not crash the n8n process.
		this.pool.on('error', () => undefined);
		this.executor = new PostgresExecutor(this.pool);
		const where = config.connectionString
			? config.connectionString.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
			: `${config.user ?? ''}@${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
		this.location = `postgres:${where} schema ${this.schema}`;
	}

	query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
		return this.executor.query<T>(sql, params);
	}

	execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
		return this.executor.execute(sql, params);
	}

	async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
		const client = await this.pool.connect();
		try {
			await client.query('BEGIN');
			const result = await work(new PostgresExecutor(client));
			await client.query('COMMIT');
			return result;
		} catch (error) {
			await client.query('ROLLBACK').catch(() => undefined);
			throw error;
		} finally {
			client.release();
		}
	}

	/** Creates the schema if missing; runs before migrations (which need it on the search path). */
	async ensureSchema(): Promise<void> {
		await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`).catch(async (error: unknown) => {
			// Two processes racing on CREATE SCHEMA IF NOT EXISTS can hit a unique violation.
			const exists = await this.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
			if (exists.rowCount === 0) throw error;
		});
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}
