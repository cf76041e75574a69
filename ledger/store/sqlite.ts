import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

import type { Row, SqlExecutor, SqliteConfig, SqlValue, Store } from './types';

/** `$1` → `?1`: SQLite understands numbered parameters, so domain SQL stays portable. */
function toSqlitePlaceholders(sql: string): string {
	return sql.replace(/\$(\d+)/g, '?$1');
}

function toSqliteValue(value: SqlValue): SQLInputValue {
	if (typeof value === 'boolean') return value ? 1 : 0;
	return value;
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

type Job =
	| { kind: 'plain'; run: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }
	| { kind: 'transaction'; work: (tx: SqlExecutor) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** Most transactions one commit may carry, and how long a group may hold the write lock. */
const GROUP_MAX_TRANSACTIONS = 64;
const GROUP_MAX_MS = 20;

export class SqliteStore implements Store {
	readonly dialect = 'sqlite' as const;
	readonly location: string;
	private readonly db: DatabaseSync;
	private readonly executor: SqliteExecutor;
	/** Exposed for tests and benchmarks (size, clear); statements are an implementation detail. */
	readonly statements: StatementCache;
	/** Commits so far and the transactions they carried (group commit), for tests and benchmarks. */
	readonly commitStats = { commits: 0, transactions: 0 };
	private readonly jobs: Job[] = [];
	private draining = false;
	private closed = false;

	constructor(config: SqliteConfig) {
		if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
		this.location = `sqlite:${config.path}`;
		this.db = new DatabaseSync(config.path, { timeout: config.busyTimeoutMs ?? 15_000 });
		// WAL lets readers run beside the single writer; NORMAL sync is durable across app crashes
		// in WAL mode and much faster than FULL.
		this.db.exec('PRAGMA journal_mode = WAL');
		this.db.exec('PRAGMA synchronous = NORMAL');
		this.db.exec('PRAGMA foreign_keys = ON');
		// Savepoints (one per transaction in a commit group) keep their undo pages in a sub-journal;
		// in memory that costs a copy, in a temp file it costs several system calls per page.
		this.db.exec('PRAGMA temp_store = MEMORY');
		this.statements = new StatementCache(this.db);
		this.executor = new SqliteExecutor(this.statements);
	}

	query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
		return this.enqueue<T[]>({ kind: 'plain', run: () => this.statements.get(sql).all(...params.map(toSqliteValue)) });
	}

	execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
		return this.enqueue<number>({ kind: 'plain', run: () => Number(this.statements.get(sql).run(...params.map(toSqliteValue)).changes) });
	}

	/**
	 * Runs `work` atomically and serialized with every other writer (this process: the job queue;
	 * other processes: BEGIN IMMEDIATE and the busy timeout).
	 *
	 * Group commit: node:sqlite is synchronous, so transactions of this process run one after the
	 * other anyway. When several are queued, they share one BEGIN IMMEDIATE … COMMIT, each inside its
	 * own SAVEPOINT: a transaction that throws is rolled back to its savepoint alone, the others go
	 * on. Callers are answered only after the shared COMMIT succeeded (if it fails, every one of them
	 * gets the error and nothing of theirs is kept), so each call keeps its all-or-nothing meaning
	 * while the commit — the WAL write of every page the transactions touched — is paid once per
	 * group. Groups are bounded (GROUP_MAX_TRANSACTIONS, GROUP_MAX_MS) so other processes waiting for
	 * the write lock get their turn.
	 */
	transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
		return this.enqueue<T>({ kind: 'transaction', work });
	}

	private enqueue<T>(job: { kind: 'plain'; run: () => unknown } | { kind: 'transaction'; work: (tx: SqlExecutor) => Promise<unknown> }): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			this.jobs.push({ ...job, resolve: resolve as (value: unknown) => void, reject } as Job);
			if (!this.draining) void this.drain();
		});
	}

	/** Runs queued jobs one at a time; consecutive transactions form a group. Never throws. */
	private async drain(): Promise<void> {
		this.draining = true;
		try {
			while (this.jobs.length > 0) {
				const head = this.jobs[0]!;
				if (head.kind === 'transaction') {
					await this.runGroup();
					continue;
				}
				this.jobs.shift();
				try {
					head.resolve(head.run());
				} catch (error) {
					head.reject(error);
				}
			}
		} finally {
			this.draining = false;
		}
	}

	private async runGroup(): Promise<void> {
		const first = this.jobs.shift() as Extract<Job, { kind: 'transaction' }>;
		try {
			// IMMEDIATE takes the write lock up front, so two processes cannot both read-then-write
			// and deadlock on upgrade; the busy timeout makes the second one wait instead of failing.
			this.statements.get('BEGIN IMMEDIATE').run();
		} catch (error) {
			first.reject(error);
			return;
		}
		const started = performance.now();
		const done: { job: Extract<Job, { kind: 'transaction' }>; result: unknown }[] = [];
		let job: Extract<Job, { kind: 'transaction' }> | undefined = first;
		while (job) {
			this.statements.get('SAVEPOINT wl_tx').run();
			try {
				const result = await job.work(this.executor);
				this.statements.get('RELEASE wl_tx').run();
				done.push({ job, result });
			} catch (error) {
				job.reject(error);
				if (!this.db.isTransaction) {
					// SQLite ended the whole transaction itself (e.g. disk full): the group is lost.
					this.failGroup(done, error);
					return;
				}
				try {
					this.statements.get('ROLLBACK TO wl_tx').run();
					this.statements.get('RELEASE wl_tx').run();
				} catch (rollbackError) {
					this.failGroup(done, rollbackError);
					return;
				}
			}
			const next = this.jobs[0];
			job =
				next?.kind === 'transaction' && done.length < GROUP_MAX_TRANSACTIONS && performance.now() - started < GROUP_MAX_MS
					? (this.jobs.shift() as Extract<Job, { kind: 'transaction' }>)
					: undefined;
		}
		try {
			this.statements.get('COMMIT').run();
		} catch (error) {
			this.failGroup(done, error);
			return;
		}
		this.commitStats.commits++;
		this.commitStats.transactions += done.length;
		for (const { job: j, result } of done) j.resolve(result);
	}

	/** Rolls back what is left of the group and fails every transaction in it that had succeeded. */
	private failGroup(done: { job: { reject: (error: unknown) => void } }[], cause: unknown): void {
		if (this.db.isTransaction) {
			try {
				this.db.exec('ROLLBACK');
			} catch {
				// The connection is unusable; the next BEGIN will say so.
			}
		}
		const error = new Error(`transaction rolled back: the commit it shared failed (${(cause as Error)?.message ?? String(cause)})`, { cause });
		for (const { job } of done) job.reject(error);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.enqueue({
			kind: 'plain',
			run: () => {
				// Statements must not outlive their connection: drop them first, then close.
				this.statements.clear();
				this.db.close();
			},
		});
	}
}
