/**
 * A separate OS process that replays a launch's unprocessed deliveries (what Purchase Match →
 * Replay Unprocessed Deliveries calls), for the test of two schedules replaying at once.
 * argv[2]: JSON { config, launch, olderThanMs }. Prints "ready", waits for a line on stdin, then
 * prints one JSON line: each replayed entry's event id, decision and whether it was a duplicate.
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface ReplayJob {
	config: StoreConfig;
	launch: string;
	olderThanMs: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as ReplayJob;
	const ledger = new Ledger(await openStore(job.config));
	// Start barrier: both processes replay only once both are up, so the replays really overlap.
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	try {
		const outcomes = await ledger.purchases.replayUnprocessed({ launch: job.launch, olderThanMs: job.olderThanMs });
		const summary = outcomes.map((o) => ({ eventId: o.entry.eventId, decision: o.decision?.decision ?? null, duplicate: o.decision?.duplicate ?? null, error: o.error?.message ?? null }));
		process.stdout.write(`${JSON.stringify(summary)}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
