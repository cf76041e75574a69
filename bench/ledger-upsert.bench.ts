/**
 * Contact upserts per second through the ledger (identity + attribution + two tags through the
 * registry + events, one transaction each) against a raw single-table
 * `INSERT … ON CONFLICT DO UPDATE` on the same database in the same run. Both sides get the same
 * concurrency and the same number of distinct emails; the ratio is ledger/raw (target ≥ 0.5).
 *
 *   npm run bench -- ledger-upsert [--sizes=1000,10000,100000] [--drivers=sqlite,postgres] [--budget=150]
 *
 * --budget is seconds per driver for the largest size: a size whose projected time (from the
 * previous size's rates) exceeds it is skipped and the reason printed.
 *
 * The sides run interleaved in ten slices (raw slice 1, ledger slice 1, batch slice 1, raw slice 2,
 * …), each slice on its own emails, so all see the same load from whatever else the machine is doing;
 * a side's time is the sum of its slices.
 *
 * Two ledger paths are measured, each against the same raw side:
 * - single: one `ledger.contacts.upsert` per contact (what a webhook or a node item does) — the
 *   figure for the 0.5 target;
 * - batch: `ledger.contacts.upsertMany` over the slice (an import or a backlog): the same outcome per
 *   contact, but on SQLite up to 100 upserts share one commit. Its emails are a separate range.
 *
 * A fourth side, "writes alone", is the floor: the rows one new signup puts into the ledger's own
 * tables (identifier, contact with first/last touch, two tags, three events), written with plain
 * prepared INSERTs — no reads, no validation, no merge, no code — one transaction per contact on
 * SQLite, the one data-modifying statement the ledger's create path uses on PostgreSQL. No ledger can
 * do a signup in fewer writes than its tables need, so its ratio is the most the ledger side could
 * reach on this machine with this data model.
 */
import { Ledger, openStore } from '../ledger';
import { createRawContactsTable, FLOOR_LAUNCH, rawUpsertContact, writeSignupRowsAlone, type Store } from '../ledger/internal';
import { DRIVERS, freshDatabase, type DriverName } from '../test/support/stores';
import { arg, RssSampler } from './support';

const SIZES = arg('sizes', '1000,10000,100000').split(',').map(Number);
const DRIVER_LIST = arg('drivers', DRIVERS.join(',')).split(',') as DriverName[];
const BUDGET_S = Number(arg('budget', '300'));
const SLICES = 10;
// SQLite runs one writer at a time (in-process queue + BEGIN IMMEDIATE); PostgreSQL gets as many
// callers as the pool has connections, which is how n8n workers would load it.
const CONCURRENCY: Record<DriverName, number> = { sqlite: 4, postgres: 10 };

/** Runs `work(i)` for i in [from, to) with at most `concurrency` in flight; returns seconds and peak RSS. */
async function timed(from: number, to: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<{ seconds: number; peakRss: number }> {
	global.gc?.();
	const sampler = new RssSampler();
	sampler.start();
	const started = process.hrtime.bigint();
	let next = from;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < to) await work(next++);
		}),
	);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	return { seconds, peakRss: sampler.stop() };
}

const emailOf = (i: number) => `bench.user${i}@example.com`;
const touchOf = (i: number) => ({ utm_source: i % 3 ? 'newsletter' : 'instagram', utm_medium: 'email', utm_campaign: `launch-${i % 7}`, landing_url: 'https://course.example/waitlist' });

async function rawBaseline(store: Store, from: number, to: number, concurrency: number) {
	return timed(from, to, concurrency, (i) =>
		rawUpsertContact(store, emailOf(i), JSON.stringify({ first_name: `User ${i}`, ...touchOf(i), tags: ['early-bird', 'waitlist'] }), Date.now()),
	);
}

const ledgerInput = (i: number) => ({
	launch: 'bench',
	email: emailOf(i),
	fields: { first_name: `User ${i}` },
	attribution: touchOf(i),
	tags: ['Early Bird', 'waitlist'],
	source: 'bench',
});

/**
 * The writes of one new signup and nothing else (the floor, see the header and writeSignupRowsAlone):
 * the same rows and shapes as the ledger writes for `ledgerInput(i)`, in launch FLOOR_LAUNCH.
 */
async function writesAlone(store: Store, from: number, to: number, concurrency: number) {
	return timed(from, to, concurrency, (i) => writeSignupRowsAlone(store, { email: emailOf(i), firstName: `User ${i}`, touch: touchOf(i) }));
}

async function ledgerUpserts(ledger: Ledger, from: number, to: number, concurrency: number) {
	return timed(from, to, concurrency, (i) => ledger.contacts.upsert(ledgerInput(i)));
}

/** upsertMany over [from, to), split into `concurrency` contiguous parts called at once. */
async function ledgerUpsertMany(ledger: Ledger, from: number, to: number, concurrency: number) {
	const part = Math.ceil((to - from) / concurrency);
	return timed(0, concurrency, concurrency, async (k) => {
		const inputs = [];
		for (let i = from + k * part; i < Math.min(to, from + (k + 1) * part); i++) inputs.push(ledgerInput(i));
		const outcomes = await ledger.contacts.upsertMany(inputs);
		const failed = outcomes.find((o) => !o.ok);
		if (failed && !failed.ok) throw failed.error;
	});
}

interface Row {
	driver: DriverName;
	size: number;
	rawPerSec: number;
	ledgerPerSec: number;
	ratio: number;
	batchPerSec: number;
	batchRatio: number;
	rawPeakMb: number;
	ledgerPeakMb: number;
	batchPeakMb: number;
	floorPerSec: number;
	floorRatio: number;
	seconds: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function main(): Promise<void> {
	const rows: Row[] = [];
	const skipped: string[] = [];
	console.log(`node ${process.version}, sizes ${SIZES.join('/')}, concurrency sqlite=${CONCURRENCY.sqlite} postgres=${CONCURRENCY.postgres}`);
	console.log('driver    contacts   raw/s    ledger/s  ratio   batch/s  ratio  writes-alone/s  ratio  peak RSS raw→ledger→batch  time');
	for (const driver of DRIVER_LIST) {
		let last: Row | undefined;
		for (const size of SIZES) {
			if (last) {
				const projected = size / last.rawPerSec + size / last.ledgerPerSec + size / last.batchPerSec + size / last.floorPerSec;
				if (projected > BUDGET_S) {
					const why = `${driver} ${size}: skipped, projected ${Math.round(projected)} s from the ${last.size} rates exceeds the ${BUDGET_S} s budget (--budget=…)`;
					skipped.push(why);
					console.log(why);
					continue;
				}
			}
			const db = await freshDatabase(driver);
			const store = await openStore(db.config);
			const ledger = new Ledger(store);
			try {
				await ledger.tags.add({ launch: 'bench', tag: 'Early Bird', aliases: ['Early Bird (ad)'] });
				await ledger.tags.add({ launch: 'bench', tag: 'waitlist' });
				const c = CONCURRENCY[driver];
				await createRawContactsTable(store);
				const raw = { seconds: 0, peakRss: 0 };
				const led = { seconds: 0, peakRss: 0 };
				const batch = { seconds: 0, peakRss: 0 };
				const floor = { seconds: 0 };
				for (let slice = 0; slice < SLICES; slice++) {
					const from = Math.floor((size * slice) / SLICES);
					const to = Math.floor((size * (slice + 1)) / SLICES);
					const r = await rawBaseline(store, from, to, c);
					const l = await ledgerUpserts(ledger, from, to, c);
					// The batch side's emails: the same count, a range of their own.
					const b = await ledgerUpsertMany(ledger, size + from, size + to, c);
					// The floor's rows live in a launch of their own (FLOOR_LAUNCH), same emails.
					const f = await writesAlone(store, from, to, c);
					floor.seconds += f.seconds;
					raw.seconds += r.seconds;
					raw.peakRss = Math.max(raw.peakRss, r.peakRss);
					led.seconds += l.seconds;
					led.peakRss = Math.max(led.peakRss, l.peakRss);
					batch.seconds += b.seconds;
					batch.peakRss = Math.max(batch.peakRss, b.peakRss);
				}
				const count = await ledger.contacts.count('bench');
				if (count !== 2 * size) throw new Error(`expected ${2 * size} contacts, found ${count}`);
				const floorCount = await ledger.contacts.count(FLOOR_LAUNCH);
				if (floorCount !== size) throw new Error(`writes alone: expected ${size} contacts, found ${floorCount}`);
				const row: Row = {
					driver,
					size,
					rawPerSec: size / raw.seconds,
					ledgerPerSec: size / led.seconds,
					ratio: raw.seconds / led.seconds,
					batchPerSec: size / batch.seconds,
					batchRatio: raw.seconds / batch.seconds,
					rawPeakMb: mb(raw.peakRss),
					ledgerPeakMb: mb(led.peakRss),
					batchPeakMb: mb(batch.peakRss),
					floorPerSec: size / floor.seconds,
					floorRatio: raw.seconds / floor.seconds,
					seconds: raw.seconds + led.seconds + batch.seconds + floor.seconds,
				};
				rows.push(row);
				last = row;
				console.log(
					`${driver.padEnd(9)} ${String(size).padStart(8)} ${row.rawPerSec.toFixed(0).padStart(7)} ${row.ledgerPerSec.toFixed(0).padStart(10)}  ${row.ratio.toFixed(2).padStart(5)} ${row.batchPerSec.toFixed(0).padStart(9)}  ${row.batchRatio.toFixed(2).padStart(5)} ${row.floorPerSec.toFixed(0).padStart(15)}  ${row.floorRatio.toFixed(2).padStart(5)}  ${`${row.rawPeakMb} → ${row.ledgerPeakMb} → ${row.batchPeakMb} MB`.padStart(25)}  ${row.seconds.toFixed(1)} s`,
				);
			} finally {
				await ledger.close();
				await db.drop();
			}
		}
	}
	const below = rows.filter((r) => r.ratio < 0.5);
	console.log('\nratio = ledger/s ÷ raw/s of the same run; "ledger" is one contacts.upsert per contact, "batch" is contacts.upsertMany;');
	console.log('"writes alone" is the floor: the rows a new signup needs in the ledger\'s tables, plain INSERTs, no reads and no code.');
	console.log(below.length ? `Single upserts below the 0.5 target: ${below.map((r) => `${r.driver} ${r.size} (${r.ratio.toFixed(2)})`).join(', ')}` : 'All single-upsert ratios meet the 0.5 target.');
	const batchBelow = rows.filter((r) => r.batchRatio < 0.5);
	console.log(batchBelow.length ? `upsertMany below 0.5: ${batchBelow.map((r) => `${r.driver} ${r.size} (${r.batchRatio.toFixed(2)})`).join(', ')}` : 'All upsertMany ratios meet 0.5.');
	console.log(`RESULT ${JSON.stringify({ rows, skipped })}`);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
