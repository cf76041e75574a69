/**
 * The storage seam of the ledger. Domain modules write portable SQL with `$1`-style placeholders and
 * run it through an executor; each driver adapts placeholders and value types. Nothing outside
 * `ledger/store` knows which database is underneath, except where a dialect hint is unavoidable
 * (row locks exist only on PostgreSQL; SQLite already serializes writers).
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | bigint | boolean | null;

export type Row = Record<string, unknown>;

export interface SqlExecutor {
	readonly dialect: Dialect;
	/** Runs a statement and returns its rows (empty for statements without RETURNING). */
	query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
	/** Runs a statement and returns how many rows it changed. */
	execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Store extends SqlExecutor {
	/**
	 * Runs `work` in one transaction that serializes conflicting writers: `BEGIN IMMEDIATE` on SQLite,
	 * READ COMMITTED plus row locks / unique constraints on PostgreSQL. Rolled back if `work` throws.
	 */
	transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
	close(): Promise<void>;
	/** Human-readable location, for messages ("sqlite:/home/x/.n8n/waitlist-ledger.sqlite"). */
	readonly location: string;
}

export interface SqliteConfig {
	driver: 'sqlite';
	/** Path of the database file; ':memory:' for a private in-memory ledger. */
	path: string;
	/** How long a writer waits for another process's lock before failing, in ms. */
	busyTimeoutMs?: number;
}

export interface PostgresConfig {
	driver: 'postgres';
	connectionString?: string;
	host?: string;
	port?: number;
	database?: string;
	user?: string;
	password?: string;
	ssl?: boolean | { rejectUnauthorized: boolean };
	/** Schema that holds the ledger's tables; created on first use. */
	schema?: string;
	maxConnections?: number;
}

export type StoreConfig = SqliteConfig | PostgresConfig;
