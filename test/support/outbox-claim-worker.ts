/**
 * A separate OS process that drains an outbox with several claim loops at once, for the
 * cross-process claim test. argv[2]: JSON { config, launch, loops, batch, worker, pollForMs?, pollEveryMs? }.
 * Without pollForMs a loop stops at its first empty claim; with it, it keeps polling every pollEveryMs
 * for that long from the start signal, as a scheduled drain does. Prints one JSON line: every entry id this process
 * claimed, in claim order (duplicates included), and when each was claimed.
 */
import { Ledger, openStore, type StoreConfig } from '../../ledger';

interface ClaimJob {
	config: StoreConfig;
	launch: string;
	loops: number;
	batch: number;
	worker: string;
	pollForMs?: number;
	pollEveryMs?: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as ClaimJob;
	const ledger = new Ledger(await openStore(job.config));
	// Start barrier: the parent says "go" once both processes are up, so neither drains the whole
	// outbox while the other is still booting (which would leave the race untested).
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	const pollUntil = job.pollForMs === undefined ? undefined : Date.now() + job.pollForMs;
	const claimed: string[] = [];
	const claimedAt: number[] = [];
	let claimCalls = 0;
	try {
		await Promise.all(
			Array.from({ length: job.loops }, async (_, loop) => {
				for (;;) {
					const entries = await ledger.outbox.claim({ launch: job.launch, limit: job.batch, leaseMs: 10 * 60_000, workerId: `${job.worker}/${loop}` });
					claimCalls++;
					if (entries.length === 0) {
						if (pollUntil === undefined || Date.now() >= pollUntil) return;
						await new Promise((resolve) => setTimeout(resolve, job.pollEveryMs ?? 100));
						continue;
					}
					for (const e of entries) {
						claimed.push(e.id);
						claimedAt.push(Date.now());
					}
					// A real worker calls a vendor here; yielding also lets the other process in.
					await new Promise((resolve) => setTimeout(resolve, 2));
					const acks = await ledger.outbox.ack(job.launch, entries.map((e) => ({ id: e.id, claimToken: e.claimToken, responseId: job.worker })));
					const refused = acks.filter((a) => a.outcome !== 'done');
					if (refused.length) throw new Error(`ack refused for ${refused.length} entries: ${JSON.stringify(refused.slice(0, 3))}`);
				}
			}),
		);
		process.stdout.write(`${JSON.stringify({ claimed, claimedAt, claimCalls })}\n`);
	} finally {
		await ledger.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
