/**
 * Referrals: what a place-in-line lookup and a referral credit cost at 10k, 100k and 1M contacts.
 *
 *   npm run bench -- referrals [--sizes=10000,100000,1000000] [--drivers=sqlite,postgres] [--repeat=200]
 *
 * Per size, on a ledger seeded in bulk (ledger/monitor/bench-seed.ts for the contacts,
 * ledger/referrals/bench-seed.ts for the line: everyone in it, one in ten with 1–6 credited referrals,
 * spots per referral 5):
 *   - lookup: the median time of `referrals.place` for contacts spread over the whole line (front,
 *     middle, back), against the baseline in the same run: counting everyone ahead with one indexed
 *     COUNT over the line's entries (what a list without the count tree does; it grows with the place);
 *   - credit: the median time of a new signup through the capture API that arrives with a referral
 *     code (new contact, code, place, credit, the referrer moved in the tree), against the same signup
 *     without a code (the rest of the capture, which the credit adds to).
 * At the end: the ratio 1M ÷ 10k of each (target ≤ 2: the cost follows the tree's depth, not the list).
 */
import { DEFAULT_CAPTURE_POLICY, Ledger, openStore } from '../ledger';
import { placeByCounting, seedLaunchHistory, seedLine } from '../ledger/internal';
import { DRIVERS, freshDatabase, type DriverName } from '../test/support/stores';
import { arg } from './support';

const SIZES = arg('sizes', '10000,100000,1000000').split(',').map(Number);
const DRIVER_LIST = arg('drivers', DRIVERS.join(',')).split(',') as DriverName[];
const REPEAT = Number(arg('repeat', '200'));
const LAUNCH = 'bench';
const SPOTS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (n: number) => `${n.toFixed(2)} ms`;
const idOf = (i: number) => `h${String(i).padStart(9, '0')}`;

async function timedMs(work: () => Promise<unknown>): Promise<number> {
	const started = process.hrtime.bigint();
	await work();
	return Number(process.hrtime.bigint() - started) / 1e6;
}

interface SizeResult {
	lookup: number;
	lookupBaseline: number;
	credit: number;
	creditBaseline: number;
}

async function measure(driver: DriverName, size: number): Promise<SizeResult> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	try {
		const seedStarted = Date.now();
		await seedLaunchHistory(ledger.store, { launch: LAUNCH, contacts: size, before: Date.now() - 60_000 });
		await seedLine(ledger.store, { launch: LAUNCH, contacts: size, spotsPerReferral: SPOTS });
		console.log(`  [${driver}] ${size.toLocaleString('en')} contacts seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

		// The same spread of people for every size: front, middle and back of the line.
		const probes = Array.from({ length: REPEAT }, (_, k) => idOf(Math.floor(((k * 7919) % REPEAT) * (size / REPEAT))));
		for (const id of probes.slice(0, 10)) {
			const tree = await ledger.referrals.place(LAUNCH, id);
			const counted = await placeByCounting(ledger.store, LAUNCH, id);
			if (tree?.place !== counted) throw new Error(`place of ${id}: tree says ${tree?.place}, counting says ${counted}`);
		}
		const lookup: number[] = [];
		const lookupBaseline: number[] = [];
		for (const id of probes) {
			lookup.push(await timedMs(() => ledger.referrals.place(LAUNCH, id)));
			lookupBaseline.push(await timedMs(() => placeByCounting(ledger.store, LAUNCH, id)));
		}

		const policy = { ...DEFAULT_CAPTURE_POLICY, secret: 'bench', minSubmitMs: 0 };
		const credit: number[] = [];
		const creditBaseline: number[] = [];
		const signups = Math.min(REPEAT, 100);
		for (let k = 0; k < signups; k++) {
			const referrer = Math.floor(((k * 7919) % signups) * (size / signups));
			const code = `S${String(referrer).padStart(9, '0')}`;
			credit.push(
				await timedMs(async () => {
					const result = await ledger.capture.capture({ launch: LAUNCH, signup: { email: `ref${k}@example.com`, fields: {}, attribution: {}, consentGiven: true, referralCode: code }, policy, source: 'bench' });
					if (result.referral.referredBy?.outcome !== 'recorded') throw new Error(`signup ${k} with code ${code}: ${JSON.stringify(result.referral)}`);
				}),
			);
			creditBaseline.push(await timedMs(() => ledger.capture.capture({ launch: LAUNCH, signup: { email: `plain${k}@example.com`, fields: {}, attribution: {}, consentGiven: true }, policy, source: 'bench' })));
		}
		const result = { lookup: median(lookup), lookupBaseline: median(lookupBaseline), credit: median(credit), creditBaseline: median(creditBaseline) };
		console.log(
			`  [${driver}] ${size.toLocaleString('en').padStart(9)}  place lookup ${ms(result.lookup)} (counting baseline ${ms(result.lookupBaseline)}, ${(result.lookupBaseline / result.lookup).toFixed(1)}× faster)` +
				`  ·  signup with referral credit ${ms(result.credit)} (without a code ${ms(result.creditBaseline)}, ratio ${(result.credit / result.creditBaseline).toFixed(2)})`,
		);
		return result;
	} finally {
		await ledger.close();
		await db.drop();
	}
}

async function main(): Promise<void> {
	for (const driver of DRIVER_LIST) {
		const results = new Map<number, SizeResult>();
		for (const size of SIZES) results.set(size, await measure(driver, size));
		const small = results.get(Math.min(...SIZES))!;
		const large = results.get(Math.max(...SIZES))!;
		const label = `${Math.max(...SIZES).toLocaleString('en')} ÷ ${Math.min(...SIZES).toLocaleString('en')}`;
		console.log(
			`  [${driver}] ratio ${label}: place lookup ${(large.lookup / small.lookup).toFixed(2)} (counting baseline ${(large.lookupBaseline / small.lookupBaseline).toFixed(2)}), signup with credit ${(large.credit / small.credit).toFixed(2)} (target ≤ 2)`,
		);
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
