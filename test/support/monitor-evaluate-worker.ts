/**
 * A separate OS process that evaluates a launch's alerts, for the cross-process announcement test:
 * `parallel` evaluations at once (on PostgreSQL each on its own connection, like several workers).
 * argv[2]: JSON { config, launch, now, parallel }. Prints one JSON line: the announcements this
 * process got back ("fired:ingestion_drop" …).
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface EvaluateJob {
	config: StoreConfig;
	launch: string;
	now: number;
	parallel: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as EvaluateJob;
	const ledger = new Ledger(await openStore(job.config));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	try {
		const results = await Promise.all(Array.from({ length: job.parallel }, () => ledger.monitor.evaluate({ launch: job.launch, now: job.now })));
		const said = results.flatMap((result) => [...result.fired, ...result.resolved, ...result.reminders].map((i) => `${i.kind}:${i.rule}`));
		process.stdout.write(`${JSON.stringify({ said, measuredAt: [...new Set(results.map((r) => r.snapshot.measuredAt))] })}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
