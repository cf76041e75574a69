/**
 * Launch monitor: what a snapshot (every signal of one window) costs at 10k, 100k and 1M contacts
 * with the same activity in the window, and the CSV export of 100k contacts with its peak memory.
 *
 *   npm run bench -- monitor [--sizes=10000,100000,1000000] [--drivers=sqlite,postgres] [--export=100000] [--repeat=15]
 *
 * Baseline, in the same run: the same window activity on a ledger with no history at all (0
 * contacts before the window). Printed per size: the median time of the signals computation over the
 * activity's window (what a snapshot computes), of takeSnapshot (signals, the writes, the hour's row
 * when an hour ends) and of evaluate (snapshot + rules + announcements) over the windows after it,
 * with ratios against the baseline; at the end the ratio 1M ÷ 10k (target ≤ 2: the cost follows the
 * window, not the list).
 *
 * History is seeded in bulk inside the database (ledger/monitor/bench-seed.ts: per contact an email,
 * a tag, a created event, a done ESP and CRM sync; one buyer in a hundred with a captured, matched
 * purchase, granted access and a delivered grant). The window's activity goes through the ledger's
 * API: 200 signups (a quarter without UTMs), 50 repeats, 20 refused signups, 20 purchases (5 matched
 * to nobody), 10 failing ESP syncs.
 *
 * Dashboard: after those, the 288 five-minute windows (24 h) before the activity's are kept as the
 * schedule would have kept them, and the dashboard is built from the ledger's data as its trigger
 * builds it (signals of the window ending now, 24 h of snapshots for the sparklines, every alert's
 * state, the newest signups, rendered to HTML): the median time of the reads and of the render,
 * with the ratio 1M ÷ 10k (target ≤ 2).
 *
 * Export: the streamed CSV of N contacts, counted chunk by chunk, against the buffered baseline (the
 * same chunks collected into one string, which is what streaming avoids); peak RSS of each (target ≤
 * 200 MB streamed). Each export runs in a fresh process of its own, so neither the snapshot runs nor
 * the other mode colour its memory.
 */
import { spawnSync } from 'node:child_process';

import { DEFAULT_CAPTURE_POLICY, Ledger, openStore, type PurchaseEvent } from '../ledger';
import { seedLaunchHistory } from '../ledger/internal';
import { loadDashboardData } from '../nodes/LaunchMonitorDashboardTrigger/dashboardData';
import { renderDashboard } from '../nodes/LaunchMonitorDashboardTrigger/dashboardPage';
import { DRIVERS, freshDatabase, type DriverName } from '../test/support/stores';
import { arg, RssSampler } from './support';

const SIZES = arg('sizes', '10000,100000,1000000').split(',').map(Number);
const DRIVER_LIST = arg('drivers', DRIVERS.join(',')).split(',') as DriverName[];
const EXPORT_SIZE = Number(arg('export', '100000'));
const REPEAT = Number(arg('repeat', '15'));
const LAUNCH = 'bench';

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timedMs(work: () => Promise<unknown>): Promise<number> {
	const started = process.hrtime.bigint();
	await work();
	return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The same activity in the measured window for every size. */
async function windowActivity(ledger: Ledger): Promise<void> {
	const policy = { ...DEFAULT_CAPTURE_POLICY, secret: 'bench', minSubmitMs: 0 };
	const attribution = (i: number) => (i % 4 === 3 ? {} : { utm_source: i % 2 ? 'instagram' : 'newsletter', utm_medium: i % 2 ? 'paid_social' : 'email', utm_campaign: 'launch' });
	for (let i = 0; i < 200; i++) {
		await ledger.capture.capture({ launch: LAUNCH, signup: { email: `window${i}@example.com`, fields: {}, attribution: attribution(i), consentGiven: true }, policy, source: 'capture' });
	}
	for (let i = 0; i < 50; i++) await ledger.capture.capture({ launch: LAUNCH, signup: { email: `window${i}@example.com`, fields: {}, attribution: attribution(i), consentGiven: true }, policy, source: 'capture' });
	for (let i = 0; i < 20; i++) await ledger.capture.recordRejection({ launch: LAUNCH, status: 400, reason: i % 2 ? 'honeypot' : 'invalid', errors: [] });
	await ledger.purchases.defineProduct({ launch: LAUNCH, productId: 'course', amount: 5900, currency: 'USD' });
	const now = Date.now();
	for (let i = 0; i < 20; i++) {
		const event: PurchaseEvent = {
			provider: 'stripe',
			eventId: `evt_${i}`,
			type: 'captured',
			providerType: 'checkout.session.completed',
			orderId: `pi_window_${i}`,
			productId: 'course',
			amount: 5900,
			currency: 'USD',
			email: i < 15 ? `window${i}@example.com` : `stranger${i}@example.com`,
			customerId: null,
			checkoutToken: null,
			occurredAt: now - 1000 + i,
		};
		await ledger.purchases.apply(LAUNCH, event);
	}
	const claimed = await ledger.outbox.claim({ launch: LAUNCH, kinds: 'esp_sync', limit: 10, leaseMs: 60_000, workerId: 'bench' });
	await ledger.outbox.fail(LAUNCH, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken, error: 'Kit 503: unavailable' })));
}

interface SizeResult {
	n: number;
	seedSeconds: number;
	signals: number;
	snapshot: number;
	evaluate: number;
	/** Dashboard: reading its data, rendering it, and both (medians of their own runs), and the page's size. */
	dashboardRead: number;
	dashboardRender: number;
	dashboardBuild: number;
	dashboardBytes: number;
}

/** The dashboard as its trigger builds it, timed: the ledger reads, then the HTML. */
async function dashboardBench(ledger: Ledger, now: number): Promise<Pick<SizeResult, 'dashboardRead' | 'dashboardRender' | 'dashboardBuild' | 'dashboardBytes'>> {
	const options = { title: 'Launch monitor', basePath: '/webhook/launch-monitor', refreshSeconds: 60, killSwitchUrl: '/form/waitlist-kill-switch' };
	const check = await loadDashboardData(ledger, LAUNCH, now);
	if (check.history.length < 280 || check.latest.length === 0) throw new Error(`dashboard data not as built: ${check.history.length} snapshots, ${check.latest.length} latest signups`);
	for (let i = 0; i < 2; i++) renderDashboard(await loadDashboardData(ledger, LAUNCH, now), options); // warm up
	const reads: number[] = [];
	const renders: number[] = [];
	const builds: number[] = [];
	let bytes = 0;
	for (let i = 0; i < REPEAT; i++) {
		let data: Awaited<ReturnType<typeof loadDashboardData>> | undefined;
		reads.push(await timedMs(async () => (data = await loadDashboardData(ledger, LAUNCH, now))));
		renders.push(await timedMs(async () => (bytes = Buffer.byteLength(renderDashboard(data!, options).html))));
		builds.push(await timedMs(async () => renderDashboard(await loadDashboardData(ledger, LAUNCH, now), options)));
	}
	return { dashboardRead: median(reads), dashboardRender: median(renders), dashboardBuild: median(builds), dashboardBytes: bytes };
}

async function snapshotBench(driver: DriverName, n: number): Promise<SizeResult> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	try {
		const seedStarted = Date.now();
		// History ends before the last complete hour, so neither the window nor the hour a snapshot keeps holds any of it.
		if (n > 0) await seedLaunchHistory(ledger.store, { launch: LAUNCH, contacts: n, before: Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 - 1_000 });
		const seedSeconds = (Date.now() - seedStarted) / 1000;
		await windowActivity(ledger);
		const now = Date.now() + 1;
		const check = await ledger.monitor.signals({ launch: LAUNCH, now });
		if (check.ingestion.newPeople !== 200 || check.ingestion.repeats !== 50 || check.reconciliation.captured !== 20) {
			throw new Error(`window activity not as built: ${JSON.stringify({ ingestion: check.ingestion, reconciliation: check.reconciliation })}`);
		}
		for (let i = 0; i < 2; i++) await ledger.monitor.signals({ launch: LAUNCH, now }); // warm caches and prepared statements
		const signals: number[] = [];
		for (let i = 0; i < REPEAT; i++) signals.push(await timedMs(() => ledger.monitor.signals({ launch: LAUNCH, now })));
		// A window is kept once, so each call gets a window of its own: the five-minute windows after the
		// activity's, alternately taken and evaluated (the backlog, unmatched buyers and review queue are
		// the same in each; a crossed hour also keeps its hourly row).
		const W = 300_000;
		const first = Math.ceil(now / W) * W + 1_000;
		const snapshots: number[] = [];
		const evaluations: number[] = [];
		for (let i = 0; i < 5; i++) {
			snapshots.push(await timedMs(() => ledger.monitor.takeSnapshot({ launch: LAUNCH, now: first + 2 * i * W })));
			evaluations.push(await timedMs(() => ledger.monitor.evaluate({ launch: LAUNCH, now: first + (2 * i + 1) * W })));
		}
		const snapshot = median(snapshots);
		const evaluate = median(evaluations);
		// The 24 hours of windows before the activity's, kept as the schedule would have (sparklines).
		const lastEnd = Math.floor(now / W) * W;
		for (let k = 288; k >= 1; k--) await ledger.monitor.takeSnapshot({ launch: LAUNCH, now: lastEnd - (k - 1) * W + 500 });
		const dashboard = await dashboardBench(ledger, now);
		return { n, seedSeconds, signals: median(signals), snapshot, evaluate, ...dashboard };
	} finally {
		await ledger.close();
		await db.drop();
	}
}

interface ExportResult {
	seconds: number;
	bytes: number;
	lines: number;
	peak: number;
	startRss: number;
	/** V8 heap in use after a full collection once the export is done: what it kept. */
	liveHeapAfter: number;
}

/** One export in this process: streamed (chunks counted, then dropped) or buffered (kept and joined). */
async function exportRun(driver: DriverName, n: number, mode: 'streamed' | 'buffered'): Promise<ExportResult> {
	const db = await freshDatabase(driver);
	const ledger = new Ledger(await openStore(db.config));
	try {
		await seedLaunchHistory(ledger.store, { launch: LAUNCH, contacts: n, before: Date.now() });
		const sampler = new RssSampler();
		const startRss = process.memoryUsage().rss;
		sampler.start();
		const started = process.hrtime.bigint();
		let bytes = 0;
		let lines = 0;
		const kept: string[] = [];
		for await (const chunk of ledger.monitor.exportContactsCsv({ launch: LAUNCH })) {
			bytes += Buffer.byteLength(chunk);
			lines += chunk.split('\r\n').length - 1;
			if (mode === 'buffered') kept.push(chunk);
		}
		const whole = mode === 'buffered' ? kept.join('') : '';
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const peak = sampler.stop();
		if (mode === 'buffered' && whole.length !== bytes) throw new Error('the buffered CSV lost characters');
		if (lines !== n + 1) throw new Error(`exported ${lines - 1} contacts of ${n}`);
		kept.length = 0;
		global.gc?.();
		return { seconds, bytes, lines, peak, startRss, liveHeapAfter: process.memoryUsage().heapUsed };
	} finally {
		await ledger.close();
		await db.drop();
	}
}

/** Each mode in a fresh process, so neither inherits the other's heap. */
function exportBench(driver: DriverName, n: number): void {
	const runIn = (mode: 'streamed' | 'buffered'): ExportResult => {
		// --expose-gc only for the collection after the export (the peak is measured with V8's own timing).
		const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, `--export-only=${driver}`, `--export-mode=${mode}`, `--export=${n}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
		if (child.status !== 0) throw new Error(`the ${mode} export failed (${child.status ?? child.signal})`);
		return JSON.parse(child.stdout.trim().split('\n').pop()!) as ExportResult;
	};
	const streamed = runIn('streamed');
	const buffered = runIn('buffered');
	const growth = (r: ExportResult) => r.peak - r.startRss;
	console.log(
		`export  ${driver.padEnd(8)} ${n.toLocaleString('en').padStart(9)} contacts: streamed ${streamed.seconds.toFixed(1)} s (${Math.round(n / streamed.seconds).toLocaleString('en')} rows/s, ${mb(streamed.bytes)} of CSV), ` +
			`peak RSS ${mb(streamed.peak)} (+${mb(growth(streamed))} over the ${mb(streamed.startRss)} before; live heap after a full GC ${mb(streamed.liveHeapAfter)}) — target ≤ 200 MB: ${streamed.peak <= 200 * 1024 * 1024 ? 'met' : 'MISSED'}; ` +
			`buffered baseline peak RSS ${mb(buffered.peak)} (+${mb(growth(buffered))}); growth streamed ÷ buffered ${(growth(streamed) / Math.max(1, growth(buffered))).toFixed(2)}`,
	);
}

async function main(): Promise<void> {
	const exportOnly = arg('export-only', '');
	if (exportOnly) {
		console.log(JSON.stringify(await exportRun(exportOnly as DriverName, EXPORT_SIZE, arg('export-mode', 'streamed') === 'buffered' ? 'buffered' : 'streamed')));
		return;
	}
	for (const driver of DRIVER_LIST) {
		const baseline = await snapshotBench(driver, 0);
		console.log(`snapshot ${driver.padEnd(8)} baseline (window activity only): signals ${ms(baseline.signals)}, takeSnapshot ${ms(baseline.snapshot)}, evaluate ${ms(baseline.evaluate)}`);
		console.log(`dashboard ${driver.padEnd(8)} baseline (window activity only): build ${ms(baseline.dashboardBuild)} — ledger reads ${ms(baseline.dashboardRead)}, HTML render ${ms(baseline.dashboardRender)}`);
		const results: SizeResult[] = [];
		for (const n of SIZES) {
			const r = await snapshotBench(driver, n);
			results.push(r);
			console.log(
				`snapshot ${driver.padEnd(8)} ${n.toLocaleString('en').padStart(9)} contacts (seeded in ${r.seedSeconds.toFixed(0)} s): signals ${ms(r.signals)} (×${(r.signals / baseline.signals).toFixed(2)} baseline), ` +
					`takeSnapshot ${ms(r.snapshot)} (×${(r.snapshot / baseline.snapshot).toFixed(2)}), evaluate ${ms(r.evaluate)} (×${(r.evaluate / baseline.evaluate).toFixed(2)})`,
			);
			console.log(
				`dashboard ${driver.padEnd(8)} ${n.toLocaleString('en').padStart(9)} contacts: build ${ms(r.dashboardBuild)} (×${(r.dashboardBuild / baseline.dashboardBuild).toFixed(2)} baseline) — ` +
					`ledger reads ${ms(r.dashboardRead)}, HTML render ${ms(r.dashboardRender)}, ${Math.round(r.dashboardBytes / 1024)} KB of HTML`,
			);
		}
		const small = results.find((r) => r.n === 10_000);
		const large = results.find((r) => r.n === 1_000_000) ?? results[results.length - 1];
		if (small && large && large !== small) {
			const ratio = large.signals / small.signals;
			console.log(
				`snapshot ${driver.padEnd(8)} ratio ${large.n.toLocaleString('en')} ÷ ${small.n.toLocaleString('en')}: signals ${ratio.toFixed(2)} (target ≤ 2: ${ratio <= 2 ? 'met' : 'MISSED'}), ` +
					`takeSnapshot ${(large.snapshot / small.snapshot).toFixed(2)}, evaluate ${(large.evaluate / small.evaluate).toFixed(2)}`,
			);
			const dashboardRatio = large.dashboardBuild / small.dashboardBuild;
			console.log(
				`dashboard ${driver.padEnd(8)} ratio ${large.n.toLocaleString('en')} ÷ ${small.n.toLocaleString('en')}: build ${dashboardRatio.toFixed(2)} (target ≤ 2: ${dashboardRatio <= 2 ? 'met' : 'MISSED'}); ` +
					`ledger reads ${(large.dashboardRead / small.dashboardRead).toFixed(2)}, HTML render ${(large.dashboardRender / small.dashboardRender).toFixed(2)}`,
			);
		}
		if (EXPORT_SIZE > 0) exportBench(driver, EXPORT_SIZE);
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
