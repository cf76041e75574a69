/**
 * n8n queue mode on one machine: a main process, workers and a webhook processor sharing one user
 * folder (the pack installed there), n8n's own database on PostgreSQL and the queue on Redis. Used
 * by `npm run start:queue` and the queue-mode end-to-end test and bench.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import { ensurePostgresDatabase } from '../../ledger/internal';
import type { N8nRuntime } from './n8n-runtime';
import { findFreePort, n8nEnv, startN8n, waitUntilReady, type StartedN8n } from './n8n-instance';

type Log = (line: string) => void;

export interface QueueServices {
	pg: { host: string; port: number; user: string; password?: string };
	redis: { host: string; port: number };
}

export function queueServicesFromEnv(env: NodeJS.ProcessEnv = process.env): QueueServices {
	return {
		pg: { host: env.PGHOST ?? '127.0.0.1', port: Number(env.PGPORT ?? 5432), user: env.PGUSER ?? 'postgres', password: env.PGPASSWORD },
		redis: { host: env.QUEUE_BULL_REDIS_HOST ?? '127.0.0.1', port: Number(env.QUEUE_BULL_REDIS_PORT ?? 6379) },
	};
}

function answers(host: string, port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host, port });
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(2_000, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

async function waitForPort(host: string, port: number, seconds: number): Promise<boolean> {
	for (let i = 0; i < seconds * 4; i++) {
		if (await answers(host, port)) return true;
		await new Promise((r) => setTimeout(r, 250));
	}
	return false;
}

function onPath(command: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

const IS_LOCAL = (host: string) => host === '127.0.0.1' || host === 'localhost';

/**
 * PostgreSQL and Redis answering, or started from the local install (the commands CI uses, .ci/run).
 * Redis started here runs as this process's child (log in `dataDir`), so stopping stops it too;
 * PostgreSQL is the machine's own service and keeps running. Nothing installed: says what to install.
 */
export async function ensureQueueServices(services: QueueServices, dataDir: string, log: Log): Promise<{ redis: ChildProcess | null }> {
	const { pg, redis } = services;
	if (!(await answers(pg.host, pg.port))) {
		const clusters = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
		if (!IS_LOCAL(pg.host) || !onPath('pg_ctlcluster') || clusters.length === 0) {
			throw new Error(
				`PostgreSQL is not answering on ${pg.host}:${pg.port} and no local server is installed to start.\n` +
					'  Install it (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@17 && brew services start postgresql@17),\n' +
					'  or point PGHOST, PGPORT, PGUSER and PGPASSWORD at one you have.',
			);
		}
		log(`PostgreSQL is not answering on ${pg.host}:${pg.port}; starting the local cluster ${clusters[0]}/main …`);
		execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', clusters[0]!, 'main', 'start'], { stdio: 'inherit' });
		if (!(await waitForPort(pg.host, pg.port, 30))) throw new Error(`PostgreSQL was started but does not answer on ${pg.host}:${pg.port} after 30 s`);
	}
	if (await answers(redis.host, redis.port)) return { redis: null };
	if (!IS_LOCAL(redis.host) || !onPath('redis-server')) {
		throw new Error(
			`Redis is not answering on ${redis.host}:${redis.port} and redis-server is not installed.\n` +
				'  Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),\n' +
				'  or point QUEUE_BULL_REDIS_HOST and QUEUE_BULL_REDIS_PORT at one you have.',
		);
	}
	log(`Redis is not answering on ${redis.host}:${redis.port}; starting redis-server (its log: ${join(dataDir, 'logs', 'redis.log')}) …`);
	mkdirSync(join(dataDir, 'logs'), { recursive: true });
	const child = spawn(
		'redis-server',
		['--bind', '127.0.0.1', '--port', String(redis.port), '--save', '', '--appendonly', 'no', '--logfile', join(dataDir, 'logs', 'redis.log')],
		{ stdio: 'ignore' },
	);
	if (!(await waitForPort(redis.host, redis.port, 30))) {
		child.kill('SIGKILL');
		throw new Error(`redis-server was started but does not answer on ${redis.host}:${redis.port} after 30 s (see ${join(dataDir, 'logs', 'redis.log')})`);
	}
	return { redis: child };
}

/** Creates the database if it is not there yet. */
export function ensureDatabase(services: QueueServices, name: string): Promise<void> {
	return ensurePostgresDatabase(services.pg, name);
}

export function postgresUrl(services: QueueServices, database: string): string {
	const { user, password, host, port } = services.pg;
	const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
	return `postgres://${auth}@${host}:${port}/${database}`;
}

export interface QueueSettings {
	services: QueueServices;
	/** n8n's own database (executions, workflows, credentials). */
	n8nDatabase: string;
	/** The ledger's PostgreSQL URL, given to every process as WAITLIST_LEDGER_DATABASE_URL. */
	ledgerUrl: string;
	/** Shared by every process: n8n encrypts credentials with it. */
	encryptionKey: string;
	/** Redis key prefix: two queue-mode n8n sharing one Redis must not take each other's jobs. */
	bullPrefix: string;
	mainPort: number;
	webhookPort: number;
	extra?: Record<string, string>;
}

/** The environment every role shares (main, worker, webhook); each process adds its own ports. */
export function queueEnv(userFolder: string, settings: QueueSettings, port: number, brokerPort: number): NodeJS.ProcessEnv {
	const { pg, redis } = settings.services;
	return n8nEnv(userFolder, port, brokerPort, {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_PREFIX: settings.bullPrefix,
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: pg.host,
		DB_POSTGRESDB_PORT: String(pg.port),
		DB_POSTGRESDB_USER: pg.user,
		...(pg.password ? { DB_POSTGRESDB_PASSWORD: pg.password } : {}),
		DB_POSTGRESDB_DATABASE: settings.n8nDatabase,
		// n8n's pool holds 2 connections by default; 50 signups at once through one webhook processor
		// then wait past the 20 s connection timeout for n8n to record their runs ("timeout exceeded
		// when trying to connect"), and those runs are lost after the visitor was answered.
		DB_POSTGRESDB_POOL_SIZE: process.env.DB_POSTGRESDB_POOL_SIZE ?? '6',
		N8N_ENCRYPTION_KEY: settings.encryptionKey,
		WAITLIST_LEDGER_DATABASE_URL: settings.ledgerUrl,
		// Production webhooks go to the webhook processor; the main process keeps the editor, the
		// schedules (n8n runs schedule triggers on main only) and the queue's bookkeeping.
		N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
		WEBHOOK_URL: `http://localhost:${settings.webhookPort}/`,
		N8N_EDITOR_BASE_URL: `http://localhost:${settings.mainPort}/`,
		// The editor's "Executions" list shows the runs workers finished.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		...(settings.extra ?? {}),
	});
}

export interface QueueCluster {
	main: StartedN8n;
	/** The first webhook processor (on settings.webhookPort). */
	webhook: StartedN8n;
	/** Every webhook processor: the first, then any more asked for (each on a port of its own). */
	webhooks: StartedN8n[];
	workers: StartedN8n[];
	/** Starts one more worker (e.g. to replace one that died); its log is worker-<n>.log. */
	addWorker(): Promise<StartedN8n>;
	/** Every process, for health checks and for stopping. */
	all(): StartedN8n[];
	stop(): Promise<void>;
}

/**
 * Starts main, the webhook processor(s) (`webhooks`, 1 unless given; the first on settings.webhookPort)
 * and `workers` workers; logs in <userFolder>/logs/<role>.log.
 */
export async function startQueueCluster(
	runtime: N8nRuntime,
	userFolder: string,
	settings: QueueSettings,
	options: { workers: number; concurrency?: number; regular?: boolean; webhooks?: number },
): Promise<QueueCluster> {
	const logs = join(userFolder, 'logs');
	mkdirSync(logs, { recursive: true });
	// Regular mode (for comparisons): main alone runs everything, on the same PostgreSQL.
	const regular = options.regular ? { EXECUTIONS_MODE: 'regular', N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'false', WEBHOOK_URL: `http://localhost:${settings.mainPort}/` } : {};
	const start = async (role: string, command: string[], port: number) => {
		const env = { ...queueEnv(userFolder, settings, port, await findFreePort()), ...regular };
		return startN8n(runtime, env, { command, logFile: join(logs, `${role}.log`) });
	};
	const main = await start('main', ['start'], settings.mainPort);
	// Main first: it migrates n8n's database; the others start once it answers.
	try {
		await waitUntilReady(main, [], 300_000);
	} catch (error) {
		await main.stop();
		throw error;
	}
	if (options.regular) {
		return { main, webhook: main, webhooks: [main], workers: [], addWorker: () => Promise.reject(new Error('regular mode has no workers')), all: () => [main], stop: () => main.stop() };
	}
	const webhook = await start('webhook', ['webhook'], settings.webhookPort);
	const webhooks = [webhook];
	for (let i = 2; i <= (options.webhooks ?? 1); i++) webhooks.push(await start(`webhook-${i}`, ['webhook'], await findFreePort()));
	const workers: StartedN8n[] = [];
	let made = 0;
	const addWorker = async () => {
		made++;
		// A worker serves no HTTP unless asked; its port is only n8n's setting, kept distinct anyway.
		const worker = await start(`worker-${made}`, ['worker', `--concurrency=${options.concurrency ?? 10}`], await findFreePort());
		workers.push(worker);
		return worker;
	};
	for (let i = 0; i < options.workers; i++) await addWorker();
	const all = () => [main, ...webhooks, ...workers];
	return {
		main,
		webhook,
		webhooks,
		workers,
		addWorker,
		all,
		async stop() {
			await Promise.all(all().map((p) => p.stop()));
		},
	};
}
