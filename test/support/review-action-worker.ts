/**
 * A separate OS process acting on one review item, as a person in another browser tab would.
 * argv[2]: JSON { config, action: 'match' | 'dismiss', reviewId, contactId?, by }. Prints "ready",
 * waits for a line on stdin, then prints one JSON line: { ok } or { error } (the message).
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface ActionJob {
	config: StoreConfig;
	action: 'match' | 'dismiss';
	reviewId: string;
	contactId?: string;
	by: string;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as ActionJob;
	const ledger = new Ledger(await openStore(job.config));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	try {
		const input = { reviewId: job.reviewId, by: job.by, reason: `acting from ${job.by}'s tab` };
		if (job.action === 'match') await ledger.review.matchPurchase({ ...input, contactId: job.contactId! });
		else await ledger.review.dismiss(input);
		process.stdout.write(`${JSON.stringify({ ok: true, by: job.by })}\n`);
	} catch (error) {
		process.stdout.write(`${JSON.stringify({ ok: false, by: job.by, error: (error as Error).message })}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
