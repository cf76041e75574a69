/**
 * A separate OS process running the reconcile sweep over vendor lists that lack some contacts, for
 * the cross-process sweep test (two n8n workers running the scheduled reconciliation at once).
 * argv[2]: JSON { config, launch, espEmails, crmEmails }. Prints the sweep's counts as one JSON line.
 */
import { Ledger, openStore, type StoreConfig, type VendorContactRecord } from '../../ledger';

interface SweepJob {
	config: StoreConfig;
	launch: string;
	espEmails: string[];
	crmEmails: string[];
}

async function* stream(records: VendorContactRecord[]): AsyncGenerator<VendorContactRecord> {
	for (const record of records) {
		await Promise.resolve();
		yield record;
	}
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as SweepJob;
	const ledger = new Ledger(await openStore(job.config));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	try {
		const report = await ledger.reconcile.sweep({
			launch: job.launch,
			esp: stream(job.espEmails.map((email, i) => ({ email, id: i + 1 }))),
			crm: stream(job.crmEmails.map((email, i) => ({ email, id: `crm-${i}` }))),
			batchSize: 50,
		});
		process.stdout.write(`${JSON.stringify({ esp: report.systems.esp?.missingInVendor, crm: report.systems.crm?.missingInVendor })}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
