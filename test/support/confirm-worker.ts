/**
 * A separate OS process that opens a double opt-in link `count` times at once, for cross-process races
 * on confirming. argv[2]: JSON { config: StoreConfig, launch, token, count }. Prints one JSON line: each
 * attempt's outcome.
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface WorkerJob {
	config: StoreConfig;
	launch: string;
	token: string;
	count: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
	const ledger = new Ledger(await openStore(job.config));
	try {
		const results = await Promise.all(Array.from({ length: job.count }, () => ledger.optin.confirmByToken({ launch: job.launch, token: job.token })));
		process.stdout.write(`${JSON.stringify(results.map((r) => r.outcome))}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
