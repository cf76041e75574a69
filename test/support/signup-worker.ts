/**
 * A separate OS process that submits one signup (as the capture trigger read it) `count` times at once,
 * for cross-process races on capture. argv[2]: JSON { config: StoreConfig, launch, fields, count }.
 * Prints one JSON line: each submission's contact id and the sync entries it reported.
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface WorkerJob {
	config: StoreConfig;
	launch: string;
	fields: Record<string, string>;
	count: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
	const ledger = new Ledger(await openStore(job.config));
	try {
		const body = { ok: true as const, contentType: 'application/json', fields: job.fields, raw: JSON.stringify(job.fields) };
		const results = await Promise.all(
			Array.from({ length: job.count }, () => ledger.capture.submit({ launch: job.launch, options: {}, request: { body, remoteAddress: '203.0.113.7', userAgent: 'signup-worker' } })),
		);
		const out = results.map((r) => (r.accepted ? { contactId: r.result.contactId, pendingSync: r.result.pendingSync } : { refused: r }));
		process.stdout.write(`${JSON.stringify(out)}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
