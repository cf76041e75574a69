/**
 * `npm run bench [-- filter…]`: runs every bench/*.bench.ts in name order, each in its own process
 * (so one benchmark's memory peak does not colour the next). A filter keeps only files whose name
 * contains it, e.g. `npm run bench -- ledger-upsert`. Extra `--key=value` args pass through.
 *
 * Benchmarks on a real n8n (capture-throughput, outbox-drain) install the built pack into it, so the
 * pack is built first when one of them is selected.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = __dirname;
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const passThrough = args.filter((a) => a.startsWith('--'));
const files = readdirSync(BENCH_DIR)
	.filter((f) => f.endsWith('.bench.ts'))
	.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
	.sort();

if (files.length === 0) {
	console.error(`No benchmark matches ${filters.join(', ')}; available: ${readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
	process.exit(1);
}

// The benchmarks that start a real n8n with the pack installed from dist/.
const NEEDS_BUILD = ['capture-throughput.bench.ts', 'capture-throughput.scale-out.bench.ts', 'outbox-drain.bench.ts', 'queue-burst.bench.ts'];
if (files.some((f) => NEEDS_BUILD.includes(f))) {
	console.log('▶ build (n8n-node build)');
	execFileSync('n8n-node', ['build'], { cwd: join(BENCH_DIR, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
}

let failed = 0;
for (const file of files) {
	console.log(`\n▶ ${file}`);
	const result = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, file), ...passThrough], { stdio: 'inherit' });
	if (result.status !== 0) {
		failed++;
		console.error(`✖ ${file} exited with ${result.status ?? result.signal}`);
	}
}
if (failed) process.exit(1);
