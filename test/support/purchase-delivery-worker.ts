/**
 * A separate OS process that delivers one signed webhook several times at once and processes each
 * delivery, for the cross-process dedupe test. argv[2]: JSON { config, launch, rawBody, headers,
 * secret, deliveries }. Prints one JSON line: how many deliveries were new, and every decision.
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface DeliveryJob {
	config: StoreConfig;
	launch: string;
	rawBody: string;
	headers: Record<string, string>;
	secret: string;
	deliveries: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as DeliveryJob;
	const ledger = new Ledger(await openStore(job.config));
	// Start barrier: every process delivers only once all are up, so the deliveries really overlap.
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	try {
		const outcomes = await Promise.all(
			Array.from({ length: job.deliveries }, async () => {
				const received = await ledger.purchases.receive({ launch: job.launch, provider: 'stripe', secret: job.secret, rawBody: job.rawBody, headers: job.headers });
				// Like the trigger: a duplicate is answered and not processed; a new one is processed.
				const decision = received.duplicate ? null : (await ledger.purchases.process(received.id)).decision;
				return { duplicate: received.duplicate, httpStatus: received.httpStatus, decision };
			}),
		);
		process.stdout.write(`${JSON.stringify(outcomes)}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
