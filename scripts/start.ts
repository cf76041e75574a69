/**
 * `npm start`: a real n8n on http://localhost:5678 with this pack and every template loaded, on
 * n8n's embedded SQLite, with the ledger on its embedded SQLite default. Data stays in .n8n-local/
 * (or WAITLIST_LEDGER_DATA_DIR) between runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ensureN8nRuntime } from './lib/n8n-runtime';
import {
	PACKAGE_ROOT,
	assertPortFree,
	digestOfWorkflows,
	findFreePort,
	importAndPublish,
	installPackInto,
	listTemplateFiles,
	n8nEnv,
	readWorkflowFiles,
	startN8n,
	waitUntilReady,
} from './lib/n8n-instance';

async function main(): Promise<void> {
	const port = Number(process.env.N8N_PORT ?? 5678);
	const dataDir = resolve(process.env.WAITLIST_LEDGER_DATA_DIR ?? join(PACKAGE_ROOT, '.n8n-local'));
	await assertPortFree(port);

	console.log('Building the pack …');
	execFileSync('n8n-node', ['build'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

	const runtime = await ensureN8nRuntime();
	mkdirSync(dataDir, { recursive: true });
	await installPackInto(dataDir, (line) => console.log(line));

	const env = n8nEnv(dataDir, port, await findFreePort(), { N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info' });
	const workflows = readWorkflowFiles(listTemplateFiles());
	// Re-import only when a template changed, so edits made in the editor survive a restart.
	const stamp = join(dataDir, '.n8n', '.templates-imported');
	const digest = digestOfWorkflows(workflows);
	if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== digest) {
		const drafts = workflows.filter((wf) => wf.draft).length;
		console.log(`Importing ${workflows.length} template(s) and publishing ${workflows.length - drafts} …`);
		await importAndPublish(runtime, env, workflows);
		writeFileSync(stamp, digest);
	} else {
		console.log(`Templates unchanged since the last start; keeping the ${workflows.length} workflow(s) already in n8n.`);
	}

	// The port may have been taken while we were installing.
	await assertPortFree(port);
	const logFile = join(dataDir, 'n8n.log');
	console.log(`Starting n8n on port ${port} (its log: ${logFile}) …`);
	const n8n = startN8n(runtime, env, { logFile });

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping n8n …`);
		await n8n.stop();
		console.log('n8n stopped. Your data is kept; `npm start` again picks it up.');
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('Ctrl-C'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
	n8n.process.once('exit', (code) => {
		if (stopping) return;
		console.error(`n8n exited unexpectedly (code ${code}). Last lines of its log:\n${n8n.output().slice(-3000)}`);
		process.exit(1);
	});

	const published = workflows.filter((wf) => !wf.draft);
	await waitUntilReady(
		n8n,
		published.flatMap((wf) => wf.webhookPaths),
		180_000,
	);
	const base = `http://localhost:${port}`;
	console.log('\nn8n is ready.\n');
	console.log(`  Editor:    ${base}/  (first visit: create the owner account)`);
	for (const wf of published) {
		for (const hook of wf.webhookPaths) {
			console.log(`  ${hook.base === 'form' ? 'Form:   ' : 'Webhook:'}   ${hook.method.padEnd(4)} ${base}/${hook.base ?? 'webhook'}/${hook.path}   (${wf.name}${hook.label ? `: ${hook.label}` : ''})`);
		}
	}
	for (const wf of workflows.filter((w) => w.draft)) console.log(`  Not published: "${wf.name}" — ${wf.draft}`);
	console.log('\n  Data:');
	console.log(`    n8n (workflows, executions): ${join(dataDir, '.n8n', 'database.sqlite')}`);
	console.log(`    waitlist ledger:             ${join(dataDir, '.n8n', 'waitlist-ledger.sqlite')}`);
	console.log(`    n8n log:                     ${logFile}`);
	console.log(`\n  Try it: curl -s -X POST ${base}/webhook/waitlist-signup -H 'content-type: application/json' -d '{"email":"ada@example.com"}'`);
	console.log('\nPress Ctrl-C to stop.');
}

main().catch((error: unknown) => {
	console.error(`\nnpm start failed: ${(error as Error).message}`);
	process.exit(1);
});
