import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { LINE_LEVELS, lineCountChanges, lineKey, lineRangesBelow } from '../../ledger/internal';

/**
 * The line's digit tree, without a database: counts kept by applying lineCountChanges must, summed over
 * lineRangesBelow(k), give exactly how many keys are below k — for any keys, moves and removals.
 */
describe('the line’s digit tree counts what is below a key', () => {
	it('ranges below a key add up to a brute-force count, after random joins, moves and leaves', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 60 }),
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: -5000, max: 5000 }), fc.boolean()), { maxLength: 40 }),
				(scores, moves) => {
					const keys = scores.map(lineKey);
					const present = keys.map(() => true);
					const counts = new Map<string, number>();
					const apply = (from: number | null, to: number | null) => {
						for (const c of lineCountChanges(from, to)) counts.set(`${c.level}:${c.prefix}`, (counts.get(`${c.level}:${c.prefix}`) ?? 0) + c.delta);
					};
					for (const k of keys) apply(null, k);
					for (const [i, score, leave] of moves) {
						const at = i % keys.length;
						if (!present[at]) continue;
						if (leave) {
							apply(keys[at]!, null);
							present[at] = false;
						} else {
							const to = lineKey(score);
							apply(keys[at]!, to);
							keys[at] = to;
						}
					}
					for (const probe of [...keys, lineKey(0), lineKey(-5001), lineKey(5001)]) {
						let fromTree = 0;
						for (const r of lineRangesBelow(probe)) for (let p = r.from; p <= r.to; p++) fromTree += counts.get(`${r.level}:${p}`) ?? 0;
						const brute = keys.filter((k, i) => present[i] && k < probe).length;
						assert.equal(fromTree, brute, `below key ${probe}`);
					}
					// The top level's nodes hold the whole line.
					const top = [...counts].filter(([id]) => id.startsWith(`${LINE_LEVELS - 1}:`)).reduce((s, [, n]) => s + n, 0);
					assert.equal(top, present.filter(Boolean).length);
				},
			),
			{ seed: 19, numRuns: 300 },
		);
	});

	it('a move within one node changes no counts above where the two paths part', () => {
		const changes = lineCountChanges(lineKey(100), lineKey(101));
		assert.deepEqual(
			changes.map((c) => [c.level, c.delta]),
			[
				[0, -1],
				[0, 1],
			],
		);
	});
});
