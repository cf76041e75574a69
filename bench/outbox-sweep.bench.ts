/**
 * Reconcile sweep time and peak memory at N contacts × 3 vendor lists (ESP, CRM, checkout), each
 * streamed record by record, with the scaling ratio between sizes (1.0 = linear) and the bench
 * process's own CPU time (the rest of the wall time is the database's work and waiting for the
 * machine); its floor on the same database right after it — the same records only written into the
 * staging table, 1000 per transaction, nothing read or decided — and the ratio sweep ÷ floor, which
 * moves far less with the machine's load than either time; and outbox claim
 * throughput in batches of 100 against one entry per claim on the same database (the ratio is what
 * batch drain buys before any vendor call).
 *
 *   npm run bench -- outbox-sweep [--sizes=10000,100000] [--drivers=sqlite,postgres] [--claims=5000]
 *
 * Contacts are seeded with plain INSERTs (seedPlainContacts; setup, not measured). Vendor lists: 1 % of contacts missing
 * in each list, 0.5 % duplicated, 1 % with tag drift, 0.5 % unknown emails; checkout orders for every
 * contact, 0.5 % with an email the ledger does not know.
 */
import { Ledger, openStore, type CheckoutOrderRecord, type VendorContactRecord } from '../ledger';
import { dropStagedRecords, seedPlainContacts, stageRecordsAlone } from '../ledger/internal';
import { DRIVERS, freshDatabase, type DriverName } from '../test/support/stores';
import { arg, RssSampler } from './support';

const SIZES = arg('sizes', '10000,100000').split(',').map(Number);
const DRIVER_LIST = arg('drivers', DRIVERS.join(',')).split(',') as DriverName[];
const CLAIMS = Number(arg('claims', '5000'));
const LAUNCH = 'bench';

const emailOf = (i: number) => `sweep.user${i}@example.com`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** A vendor contact list, generated lazily so the list itself never sits in memory. */
async function* contactList(n: number, salt: number): AsyncGenerator<VendorContactRecord> {
	for (let i = 0; i < n; i++) {
		if ((i + salt) % 100 === 0) continue; // missing in this vendor
		yield { email: emailOf(i), id: i, tags: (i + salt) % 100 === 1 ? [] : ['Early Bird'] };
		if ((i + salt) % 200 === 2) yield { email: emailOf(i).toUpperCase(), id: `${i}-dup` };
		if (i % 200 === 3) yield { email: `stranger${i}@example.com`, id: `s${i}` };
	}
}

async function* orderList(n: number): AsyncGenerator<CheckoutOrderRecord> {
	for (let i = 0; i < n; i++) {
		yield { orderId: `o${i}`, email: i % 200 === 5 ? `guest${i}@example.com` : emailOf(i), productId: 'course', status: 'paid' };
	}
}

type SweepResult = { seconds: number; cpuSeconds: number; peakRss: number; fixes: number; floorSeconds: number };

// The seeded contact behind a generated email (seedPlainContacts' ids), as the sweep would find it.
const seededContactOf = (email: string | undefined): string | null => {
	const i = /^sweep\.user(\d+)@example\.com$/i.exec(email ?? '')?.[1];
	return i === undefined ? null : `c${i.padStart(7, '0')}`;
};

/** The floor: the sweep's three lists written into the staging table and nothing else. */
async function stageAlone(ledger: Ledger, n: number): Promise<number> {
	const runId = 'bench-floor';
	const lists: [string, AsyncGenerator<{ key: string; contactId: string | null }>][] = [
		['esp', (async function* () { for await (const r of contactList(n, 0)) yield { key: r.email.toLowerCase(), contactId: seededContactOf(r.email) }; })()],
		['crm', (async function* () { for await (const r of contactList(n, 37)) yield { key: r.email.toLowerCase(), contactId: seededContactOf(r.email) }; })()],
		['checkout', (async function* () { for await (const r of orderList(n)) yield { key: r.orderId, contactId: seededContactOf(r.email) }; })()],
	];
	const started = process.hrtime.bigint();
	for (const [system, records] of lists) {
		let batch: { key: string; contactId: string | null }[] = [];
		for await (const record of records) {
			batch.push(record);
			if (batch.length === 1000) {
				await stageRecordsAlone(ledger.store, { runId, system, records: batch });
				batch = [];
			}
		}
		await stageRecordsAlone(ledger.store, { runId, system, records: batch });
	}
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	await dropStagedRecords(ledger.store, runId);
	return seconds;
}

async function sweepBench(driver: DriverName, n: number): Promise<SweepResult> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	try {
		await seedPlainContacts(ledger.store, { launch: LAUNCH, count: n, emailOf, tag: 'early-bird' });
		global.gc?.();
		const sampler = new RssSampler();
		sampler.start();
		const cpu = process.cpuUsage();
		const started = process.hrtime.bigint();
		const report = await ledger.reconcile.sweep({ launch: LAUNCH, esp: contactList(n, 0), crm: contactList(n, 37), checkout: orderList(n) });
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const used = process.cpuUsage(cpu);
		const peakRss = sampler.stop();
		const floorSeconds = await stageAlone(ledger, n);
		return { seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRss, fixes: report.fixes, floorSeconds };
	} finally {
		await ledger.close();
		await db.drop();
	}
}

async function claimBench(driver: DriverName, entries: number, batch: number): Promise<number> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	try {
		for (let start = 0; start < entries; start += 1000) {
			await ledger.outbox.enqueueMany(Array.from({ length: Math.min(1000, entries - start) }, (_, i) => ({ launch: LAUNCH, kind: 'esp_sync', idempotencyKey: `k${start + i}` })));
		}
		const started = process.hrtime.bigint();
		let done = 0;
		for (;;) {
			const claimed = await ledger.outbox.claim({ launch: LAUNCH, limit: batch, leaseMs: 60_000, workerId: 'bench' });
			if (claimed.length === 0) break;
			await ledger.outbox.ack(LAUNCH, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken, responseId: 'r' })));
			done += claimed.length;
		}
		if (done !== entries) throw new Error(`drained ${done} of ${entries}`);
		return entries / (Number(process.hrtime.bigint() - started) / 1e9);
	} finally {
		await ledger.close();
		await db.drop();
	}
}

async function main(): Promise<void> {
	for (const driver of DRIVER_LIST) {
		const results: ({ n: number } & SweepResult)[] = [];
		for (const n of SIZES) {
			const r = await sweepBench(driver, n);
			results.push({ n, ...r });
			const prev = results[results.length - 2];
			const scaling = prev ? (r.seconds / prev.seconds) / (n / prev.n) : null;
			console.log(
				`sweep ${driver.padEnd(8)} ${n.toLocaleString('en').padStart(9)} contacts × 3 lists: ${r.seconds.toFixed(1)} s (bench CPU ${r.cpuSeconds.toFixed(1)} s), ${Math.round((3 * n) / r.seconds).toLocaleString('en')} records/s, peak RSS ${mb(r.peakRss)}, fixes ${r.fixes}` +
					(scaling === null ? '' : `, scaling ratio ${scaling.toFixed(2)} (1.0 = linear)`) +
					`; floor (records staged alone) ${r.floorSeconds.toFixed(1)} s, sweep ÷ floor ${(r.seconds / r.floorSeconds).toFixed(1)}`,
			);
		}
		const one = await claimBench(driver, Math.min(CLAIMS, 2000), 1);
		const hundred = await claimBench(driver, CLAIMS, 100);
		console.log(
			`claim+ack ${driver.padEnd(8)} batch 1: ${Math.round(one).toLocaleString('en')} entries/s, batch 100: ${Math.round(hundred).toLocaleString('en')} entries/s, ratio ${(hundred / one).toFixed(1)}`,
		);
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
