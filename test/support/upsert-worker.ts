/**
 * A separate OS process that upserts one email many times at once, for the cross-process race test.
 * argv[2]: JSON { config: StoreConfig, launch, email, count, worker }. Prints one JSON line of results.
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface WorkerJob {
	config: StoreConfig;
	launch: string;
	email: string;
	count: number;
	worker: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
	const ledger = new Ledger(await openStore(job.config));
	try {
		const results = await Promise.all(
			Array.from({ length: job.count }, (_, i) =>
				ledger.contacts.upsert({
					launch: job.launch,
					email: i % 2 ? job.email.toUpperCase() : job.email,
					fields: { first_name: `worker-${job.worker}` },
					attribution: { utm_source: `w${job.worker}`, utm_campaign: `c${i}` },
					source: `worker-${job.worker}`,
				}),
			),
		);
		process.stdout.write(`${JSON.stringify(results.map((r) => ({ contactId: r.contactId, created: r.created })))}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
