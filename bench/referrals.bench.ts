/**
 * Referrals: what a place-in-line lookup and a referral credit cost at 10k, 100k and 1M contacts, next
 * to the floor the database itself sets at the same sizes.
 *
 *   npm run bench -- referrals [--sizes=10000,100000,1000000] [--drivers=sqlite,postgres]
 *                              [--rounds=1000] [--signups=300] [--counting=15]
 *
 * Every size is seeded first (ledger/monitor/bench-seed.ts for the contacts, ledger/referrals/bench-seed.ts
 * for the line: everyone in it, one in ten with 1–6 credited referrals, spots per referral 5) and all
 * stay open; then the sizes are measured interleaved — each round takes one sample of every side at
 * every size, in a rotating order — so a burst of load from the rest of the machine lands on all sizes
 * alike. Sides, each as median and p99:
 *   - floor (PK read): one line entry read by its primary key through the same store — the B-tree floor
 *     of any lookup of one person in a table of that size;
 *   - place lookup: `referrals.place`, the whole ledger call a status page makes;
 *   - cold: a contact not looked up before, drawn at random over the whole line (its leaf pages are in
 *     the database's cache only by chance; the OS file cache is warm); warm: the same contact again;
 *   - counting baseline (a few samples): one indexed COUNT of everyone ahead, what a list without the
 *     count tree does;
 *   - signup with a referral credit: the whole capture call a signup through a link makes (new contact,
 *     code, place, the credit, the referrer moved up in the tree), next to the same signup without a
 *     code, and a write floor: one random-key row inserted and committed in a table of that size.
 * At the end, per driver: the ratio 1M ÷ 10k of each median (target ≤ 2), the floor's included.
 */
import { loadavg } from 'node:os';

import { DEFAULT_CAPTURE_POLICY, Ledger, openStore } from '../ledger';
import { insertReferralCodeAlone, placeByCounting, readLineEntryAlone, seedLaunchHistory, seedLine } from '../ledger/internal';
import { DRIVERS, freshDatabase, type DriverName, type TestDatabase } from '../test/support/stores';
import { arg } from './support';

const SIZES = arg('sizes', '10000,100000,1000000').split(',').map(Number);
const DRIVER_LIST = arg('drivers', DRIVERS.join(',')).split(',') as DriverName[];
const ROUNDS = Number(arg('rounds', '1000'));
const SIGNUPS = Number(arg('signups', '300'));
const COUNTING = Number(arg('counting', '15'));
const WARMUP = 50;
const LAUNCH = 'bench';
const SPOTS = 5;
const POLICY = { ...DEFAULT_CAPTURE_POLICY, secret: 'bench', minSubmitMs: 0 };

const idOf = (i: number) => `h${String(i).padStart(9, '0')}`;
const codeOf = (i: number) => `S${String(i).padStart(9, '0')}`;

/** A small seeded generator, so every run draws the same people. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

async function timedMs(work: () => Promise<unknown>): Promise<number> {
	const started = process.hrtime.bigint();
	await work();
	return Number(process.hrtime.bigint() - started) / 1e6;
}

const SIDES = [
	['floorCold', 'floor: PK read of one entry, cold'],
	['placeCold', 'place lookup, cold'],
	['floorWarm', 'floor: PK read of one entry, warm'],
	['placeWarm', 'place lookup, warm'],
	['counting', 'counting baseline (COUNT ahead), cold'],
	['writeFloor', 'floor: one random-key row inserted + commit'],
	['plain', 'signup without a code'],
	['credit', 'signup with a referral credit'],
] as const;
type SideName = (typeof SIDES)[number][0];

interface Sized {
	size: number;
	db: TestDatabase;
	ledger: Ledger;
	samples: Record<SideName, number[]>;
}

function quantile(values: readonly number[], q: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function open(driver: DriverName, size: number): Promise<Sized> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	const started = Date.now();
	await seedLaunchHistory(ledger.store, { launch: LAUNCH, contacts: size, before: Date.now() - 60_000 });
	await seedLine(ledger.store, { launch: LAUNCH, contacts: size, spotsPerReferral: SPOTS });
	console.log(`  [${driver}] ${size.toLocaleString('en')} contacts seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	const samples = Object.fromEntries(SIDES.map(([name]) => [name, [] as number[]])) as Record<SideName, number[]>;
	// The tree must say what counting says before its speed means anything.
	const draw = random(size);
	for (let k = 0; k < 10; k++) {
		const id = idOf(Math.floor(draw() * size));
		const tree = await ledger.referrals.place(LAUNCH, id);
		const counted = await placeByCounting(ledger.store, LAUNCH, id);
		if (tree?.place !== counted) throw new Error(`place of ${id}: tree says ${tree?.place}, counting says ${counted}`);
	}
	return { size, db, ledger, samples };
}

/** One sample of every side at one size; `record` false during the warm-up. */
async function round(s: Sized, k: number, draw: () => number, record: boolean): Promise<void> {
	const take = async (side: SideName, work: () => Promise<unknown>) => {
		const t = await timedMs(work);
		if (record) s.samples[side].push(t);
	};
	const store = s.ledger.store;
	const floorId = idOf(Math.floor(draw() * s.size));
	const placeId = idOf(Math.floor(draw() * s.size));
	const readEntry = (id: string) => readLineEntryAlone(store, LAUNCH, id);
	await take('floorCold', () => readEntry(floorId));
	await take('placeCold', () => s.ledger.referrals.place(LAUNCH, placeId));
	await take('placeWarm', () => s.ledger.referrals.place(LAUNCH, placeId));
	await take('floorWarm', () => readEntry(floorId));
	if (record && k < COUNTING) await take('counting', () => placeByCounting(store, LAUNCH, idOf(Math.floor(draw() * s.size))));
	if (k < SIGNUPS || !record) {
		const tag = `${record ? 'r' : 'w'}${k}`;
		const code = `W${tag.toUpperCase().replace(/[^0-9A-Z]/g, '0').padStart(9, '0')}${Math.floor(draw() * 1e9)}`;
		await take('writeFloor', () => insertReferralCodeAlone(store, { code, launch: 'bench-floor', contactId: `floor-${tag}` }));
		await take('plain', () => s.ledger.capture.capture({ launch: LAUNCH, signup: { email: `plain-${tag}@example.com`, fields: {}, attribution: {}, consentGiven: true }, policy: POLICY, source: 'bench' }));
		const referrer = Math.floor(draw() * s.size);
		await take('credit', async () => {
			const result = await s.ledger.capture.capture({ launch: LAUNCH, signup: { email: `ref-${tag}@example.com`, fields: {}, attribution: {}, consentGiven: true, referralCode: codeOf(referrer) }, policy: POLICY, source: 'bench' });
			if (result.referral.referredBy?.outcome !== 'recorded') throw new Error(`signup ${tag} with code ${codeOf(referrer)}: ${JSON.stringify(result.referral)}`);
		});
	}
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));

async function measure(driver: DriverName): Promise<void> {
	const sized: Sized[] = [];
	try {
		for (const size of SIZES) sized.push(await open(driver, size));
		const draws = new Map(sized.map((s) => [s.size, random(s.size * 31 + 7)]));
		const loadBefore = loadavg();
		const started = Date.now();
		for (let k = 0; k < WARMUP + ROUNDS; k++) {
			// Rotate which size goes first, so none is always measured right after another's work.
			for (let j = 0; j < sized.length; j++) {
				const s = sized[(k + j) % sized.length]!;
				await round(s, k - WARMUP, draws.get(s.size)!, k >= WARMUP);
			}
		}
		const loadAfter = loadavg();
		console.log(
			`  [${driver}] ${ROUNDS} rounds (${Math.min(ROUNDS, SIGNUPS)} with signups, ${Math.min(ROUNDS, COUNTING)} with counting) interleaved over ${SIZES.length} sizes in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
				`load average (1 min) ${loadBefore[0]!.toFixed(1)} before, ${loadAfter[0]!.toFixed(1)} after, on ${(await import('node:os')).cpus().length} cores`,
		);
		const small = sized[0]!;
		const large = sized[sized.length - 1]!;
		const head = sized.map((s) => `${s.size.toLocaleString('en')}: median / p99 ms`.padStart(28)).join('');
		console.log(`  ${''.padEnd(46)}${head}   ${`${(large.size / 1000).toLocaleString('en')}k ÷ ${(small.size / 1000).toLocaleString('en')}k`.padStart(12)}`);
		for (const [name, label] of SIDES) {
			const cells = sized.map((s) => `${fmt(quantile(s.samples[name], 0.5))} / ${fmt(quantile(s.samples[name], 0.99))}`.padStart(28)).join('');
			const ratio = quantile(large.samples[name], 0.5) / quantile(small.samples[name], 0.5);
			console.log(`  ${label.padEnd(46)}${cells}   ${ratio.toFixed(2).padStart(12)}`);
		}
		// What the ledger adds above the floor, per size (medians): the tree's ranges, the referral's writes.
		const above = (s: Sized, a: SideName, b: SideName) => quantile(s.samples[a], 0.5) - quantile(s.samples[b], 0.5);
		for (const [label, a, b] of [
			['place − floor, cold', 'placeCold', 'floorCold'],
			['place − floor, warm', 'placeWarm', 'floorWarm'],
			['credit − signup without a code', 'credit', 'plain'],
		] as const) {
			const cells = sized.map((s) => fmt(above(s, a, b)).padStart(28)).join('');
			console.log(`  ${label.padEnd(46)}${cells}   ${(above(large, a, b) / above(small, a, b)).toFixed(2).padStart(12)}`);
		}
	} finally {
		for (const s of sized) {
			await s.ledger.close();
			await s.db.drop();
		}
	}
}

async function main(): Promise<void> {
	for (const driver of DRIVER_LIST) await measure(driver);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
