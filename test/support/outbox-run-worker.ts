/**
 * A separate OS process standing for an n8n worker running signup runs: it takes over claims a
 * webhook made (outbox.keepAlive with a short lease) and keeps them alive until it is killed. For the
 * fast hand-over contract test. argv[2]: JSON { config, launch, claims: [{id, claimToken}], leaseMs,
 * renewEveryMs }. Prints "ready", then (after "go") one JSON line with the take-over outcomes, then
 * stays alive — renewing — until the parent kills it.
 */
import { Ledger, openStore, type ClaimProof, type StoreConfig } from '../../ledger';

interface RunJob {
	config: StoreConfig;
	launch: string;
	claims: ClaimProof[];
	leaseMs: number;
	renewEveryMs: number;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2] ?? '') as RunJob;
	const ledger = new Ledger(await openStore(job.config));
	process.stdout.write('ready\n');
	await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
	const results = await ledger.outbox.keepAlive(job.launch, job.claims, { workerId: `run-worker:${process.pid}`, leaseMs: job.leaseMs, renewEveryMs: job.renewEveryMs });
	process.stdout.write(`${JSON.stringify({ outcomes: results.map((r) => r.outcome) })}\n`);
	// The keeper's timer does not hold the process open (n8n's process does that in real life).
	setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
