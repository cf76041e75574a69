/**
 * Reconcile sweep time and peak memory at N contacts × 3 vendor lists (ESP, CRM, checkout), each
 * streamed record by record, with the scaling ratio between sizes (1.0 = linear); and outbox claim
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
import { seedPlainContacts } from '../ledger/internal';
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

async function sweepBench(driver: DriverName, n: number): Promise<{ seconds: number; peakRss: number; fixes: number }> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	try {
		await seedPlainContacts(ledger.store, { launch: LAUNCH, count: n, emailOf, tag: 'early-bird' });
		global.gc?.();
		const sampler = new RssSampler();
		sampler.start();
		const started = process.hrtime.bigint();
		const report = await ledger.reconcile.sweep({ launch: LAUNCH, esp: contactList(n, 0), crm: contactList(n, 37), checkout: orderList(n) });
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		return { seconds, peakRss: sampler.stop(), fixes: report.fixes };
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
		const results: { n: number; seconds: number; peakRss: number; fixes: number }[] = [];
		for (const n of SIZES) {
			const r = await sweepBench(driver, n);
			results.push({ n, ...r });
			const prev = results[results.length - 2];
			const scaling = prev ? (r.seconds / prev.seconds) / (n / prev.n) : null;
			console.log(
				`sweep ${driver.padEnd(8)} ${n.toLocaleString('en').padStart(9)} contacts × 3 lists: ${r.seconds.toFixed(1)} s, ${Math.round((3 * n) / r.seconds).toLocaleString('en')} records/s, peak RSS ${mb(r.peakRss)}, fixes ${r.fixes}` +
					(scaling === null ? '' : `, scaling ratio ${scaling.toFixed(2)} (1.0 = linear)`),
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
