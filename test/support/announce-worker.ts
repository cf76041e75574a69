/**
 * A separate OS process announcing a sweep's review findings, for the cross-process test: two n8n
 * workers running the scheduled reconciliation at once must post each open problem once between them.
 * argv[2]: JSON { config, launch, findings }. Prints the announced findings' order ids as one JSON line.
 */
import { Ledger, openStore, type StoreConfig, type SweepFinding } from '../../ledger';

interface AnnounceJob {
	config: StoreConfig;
	launch: string;
	findings: SweepFinding[];
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as AnnounceJob;
	const ledger = new Ledger(await openStore(job.config));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	try {
		const announced = await ledger.reconcile.announce(job.launch, job.findings);
		process.stdout.write(`${JSON.stringify(announced.map((f) => `${f.kind}:${String(f.data.orderId ?? f.data.email)}`))}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
