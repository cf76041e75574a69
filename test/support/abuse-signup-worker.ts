/**
 * A separate OS process that submits `count` signups at once, each a different address, all from one
 * network, for cross-process races on abuse velocity. argv[2]: JSON { config, launch, prefix, count,
 * remoteAddress, options }. Prints one JSON line: each signup's contact id and the signals it raised.
 */
import { Ledger, openStore, type CaptureOptions, type StoreConfig } from '../../ledger';

interface WorkerJob {
	config: StoreConfig;
	launch: string;
	prefix: string;
	count: number;
	remoteAddress: string;
	options: CaptureOptions;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
	const ledger = new Ledger(await openStore(job.config));
	try {
		const results = await Promise.all(
			Array.from({ length: job.count }, (_, i) => {
				const fields = { email: `${job.prefix}-${i}@example.org` };
				const body = { ok: true as const, contentType: 'application/json', fields, raw: JSON.stringify(fields) };
				return ledger.capture.submit({ launch: job.launch, options: job.options, request: { body, remoteAddress: job.remoteAddress, userAgent: 'abuse-signup-worker' } });
			}),
		);
		const out = results.map((r) => (r.accepted ? { contactId: r.result.contactId, signals: r.result.abuse.signals } : { refused: r.reason }));
		process.stdout.write(`${JSON.stringify(out)}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
