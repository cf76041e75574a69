/**
 * `npm run start:queue`: the same pack and templates as `npm start`, on n8n queue mode on this
 * machine — a main process (editor, schedules), 2 workers (the runs) and 1 webhook processor (the
 * public webhooks), n8n's database and the ledger on the local PostgreSQL (databases
 * waitlist_queue_n8n and waitlist_queue_ledger, apart from the tests' database), the queue on Redis.
 * PostgreSQL or Redis not answering: the local server is started if one is installed, else the
 * message says what to install. Data and each process's log stay in .n8n-queue/ (or
 * WAITLIST_LEDGER_QUEUE_DATA_DIR). Ctrl-C stops every process this started.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ensureN8nRuntime } from './lib/n8n-runtime';
import { PACKAGE_ROOT, assertPortFree, findFreePort, installPackInto, waitUntilReady, type StartedN8n } from './lib/n8n-instance';
import { ensureDatabase, ensureQueueServices, postgresUrl, queueEnv, queueServicesFromEnv, startQueueCluster, type QueueCluster, type QueueSettings } from './lib/n8n-queue';
import { prepareTemplates } from './lib/prepare-templates';

const WORKERS = Number(process.env.WAITLIST_LEDGER_QUEUE_WORKERS ?? 2);

/** One key for every process, kept with the data (n8n cannot read credentials saved under another). */
function encryptionKey(dataDir: string): string {
	if (process.env.N8N_ENCRYPTION_KEY) return process.env.N8N_ENCRYPTION_KEY;
	const file = join(dataDir, 'encryption-key');
	if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
	return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
	const mainPort = Number(process.env.N8N_PORT ?? 5678);
	const webhookPort = Number(process.env.WAITLIST_LEDGER_WEBHOOK_PORT ?? 5680);
	const dataDir = resolve(process.env.WAITLIST_LEDGER_QUEUE_DATA_DIR ?? join(PACKAGE_ROOT, '.n8n-queue'));
	await assertPortFree(mainPort);
	await assertPortFree(webhookPort);
	mkdirSync(dataDir, { recursive: true });

	let redis: ChildProcess | null = null;
	let cluster: QueueCluster | null = null;
	let stopping = false;
	const stop = async (why: string, code: number) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${why}: stopping n8n (main, webhook processor, ${cluster?.workers.length ?? 0} workers)${redis ? ' and Redis' : ''} …`);
		await cluster?.stop();
		if (redis && redis.exitCode === null) {
			redis.kill('SIGTERM');
			await new Promise((r) => redis!.once('exit', r));
		}
		console.log('Stopped. Your data is kept; `npm run start:queue` again picks it up.');
		process.exit(code);
	};
	process.on('SIGINT', () => void stop('Ctrl-C', 0));
	process.on('SIGTERM', () => void stop('SIGTERM', 0));

	const services = queueServicesFromEnv();
	({ redis } = await ensureQueueServices(services, dataDir, (line) => console.log(line)));
	const n8nDatabase = process.env.WAITLIST_LEDGER_QUEUE_N8N_DB ?? 'waitlist_queue_n8n';
	const ledgerDatabase = process.env.WAITLIST_LEDGER_QUEUE_LEDGER_DB ?? 'waitlist_queue_ledger';
	await ensureDatabase(services, n8nDatabase);
	await ensureDatabase(services, ledgerDatabase);

	if (process.env.WAITLIST_LEDGER_SKIP_BUILD !== '1') {
		console.log('Building the pack …');
		execFileSync('n8n-node', ['build'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	const runtime = await ensureN8nRuntime();
	const packDir = await installPackInto(dataDir, (line) => console.log(line));
	const settings: QueueSettings = {
		services,
		n8nDatabase,
		ledgerUrl: process.env.WAITLIST_LEDGER_DATABASE_URL ?? postgresUrl(services, ledgerDatabase),
		encryptionKey: encryptionKey(dataDir),
		bullPrefix: process.env.QUEUE_BULL_PREFIX ?? 'waitlist-queue',
		mainPort,
		webhookPort,
		extra: { N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info' },
	};
	// The CLI writes n8n's PostgreSQL database (and migrates it the first time) before any process runs.
	const plan = await prepareTemplates(runtime, queueEnv(dataDir, settings, mainPort, await findFreePort()), dataDir, packDir);
	const published = plan.outcomes.filter((o) => o.status === 'published');

	console.log(`Starting n8n queue mode: main on ${mainPort}, webhook processor on ${webhookPort}, ${WORKERS} workers (logs in ${join(dataDir, 'logs')}) …`);
	try {
		cluster = await startQueueCluster(runtime, dataDir, settings, { workers: WORKERS });
		for (const p of cluster.all()) watchExit(p, () => stopping, (line) => void stop(line, 1));
		await waitUntilReady(cluster.webhook, published.flatMap((o) => o.file.webhookPaths), 180_000);
	} catch (error) {
		console.error(`
npm run start:queue failed: ${(error as Error).message}`);
		await stop('Start-up failed', 1);
		return;
	}
	printQueueBanner(mainPort, webhookPort, dataDir, settings, published.map((o) => o.file), plan.outcomes.filter((o) => o.status !== 'published').map((o) => o.file.name));
}

function watchExit(p: StartedN8n, stopping: () => boolean, fail: (line: string) => void): void {
	p.process.once('exit', (code, signal) => {
		if (stopping()) return;
		console.error(`An n8n process exited unexpectedly (${signal ?? `code ${code}`}). Last lines of its log:\n${p.output().slice(-3000)}`);
		fail('n8n process exited');
	});
}

function printQueueBanner(
	mainPort: number,
	webhookPort: number,
	dataDir: string,
	settings: QueueSettings,
	published: Array<{ name: string; webhookPaths: Array<{ method: string; path: string; base?: string; label?: string }> }>,
	drafts: string[],
): void {
	const hooks = `http://localhost:${webhookPort}`;
	const lines = ['', 'n8n queue mode is ready.', '', `  Editor (main):      http://localhost:${mainPort}/`, `  Webhook processor:  ${hooks}/  (every public URL below)`, '', '  Published:'];
	for (const wf of published) {
		lines.push(`    ${wf.name}${wf.webhookPaths.length ? '' : '   (schedule: runs on a worker, started by main)'}`);
		for (const h of wf.webhookPaths) lines.push(`      ${h.method.padEnd(4)} ${hooks}/${h.base ?? 'webhook'}/${h.path}${h.label ? `   (${h.label})` : ''}`);
	}
	if (drafts.length) lines.push('', `  Drafts (credentials missing; see \`npm start\`'s banner for what to create): ${drafts.join(', ')}`);
	lines.push(
		'',
		'  Data:',
		`    n8n (workflows, executions): PostgreSQL database ${settings.n8nDatabase}`,
		`    waitlist ledger:             ${settings.ledgerUrl.replace(/:[^:@/]+@/, ':***@')}`,
		`    queue:                       Redis ${settings.services.redis.host}:${settings.services.redis.port} (prefix ${settings.bullPrefix})`,
		`    logs:                        ${join(dataDir, 'logs')}/{main,webhook,worker-1,worker-2}.log`,
		'',
		`  Try it: curl -s -X POST ${hooks}/webhook/waitlist-signup -H 'content-type: application/json' -d '{"email":"ada@example.com"}'`,
		'',
		'Press Ctrl-C to stop all of them.',
	);
	console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
	console.error(`\nnpm run start:queue failed: ${(error as Error).message}`);
	process.exit(1);
});
