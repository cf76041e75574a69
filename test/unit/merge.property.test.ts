import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { Touch } from '../../ledger';
import { applyTouch, isEmptyValue, MERGE_POLICIES, mergeFieldValue, mergeProfile, normalizeTouch } from '../../ledger/internal';

const emptyValue = fc.constantFrom<unknown>(undefined, null, '', '   ', '\n\t', [], [null, ''], ['  ']);
const nonEmptyValue = fc.oneof(
	fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
	fc.integer(),
	fc.boolean(),
	fc.array(fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), { minLength: 1, maxLength: 4 }),
);
const anyValue = fc.oneof(emptyValue, nonEmptyValue);
const time = fc.integer({ min: 0, max: 2_000_000_000_000 });

describe('merge policies', () => {
	it('no policy ever replaces a non-empty value with an empty one', () => {
		fc.assert(
			fc.property(fc.constantFrom(...MERGE_POLICIES), nonEmptyValue, time, anyValue, time, fc.boolean(), (policy, stored, storedAt, incoming, incomingAt, creating) => {
				const result = mergeFieldValue(policy, { value: stored, at: storedAt }, { value: incoming, at: incomingAt }, creating);
				assert.ok(result !== undefined && !isEmptyValue(result.value), `${policy} emptied ${JSON.stringify(stored)} with ${JSON.stringify(incoming)}`);
			}),
			{ numRuns: 5000 },
		);
	});

	it('a whole profile never loses a non-empty field, whatever the sequence of upserts', () => {
		const field = fc.constantFrom('first_name', 'last_name', 'interests', 'city');
		const upsert = fc.record({ fields: fc.dictionary(field, anyValue), at: time });
		fc.assert(
			fc.property(fc.array(upsert, { minLength: 1, maxLength: 12 }), fc.dictionary(field, fc.constantFrom(...MERGE_POLICIES)), (upserts, policies) => {
				let state = { profile: {} as Record<string, unknown>, fieldTimes: {} as Record<string, number> };
				upserts.forEach((u, i) => {
					const next = mergeProfile(state, u.fields, u.at, (f) => policies[f] ?? 'fill-empty', { creating: i === 0 });
					for (const [k, v] of Object.entries(state.profile)) {
						if (!isEmptyValue(v)) assert.ok(!isEmptyValue(next.profile[k]), `field ${k} was emptied`);
					}
					state = next;
				});
			}),
		);
	});

	it('each policy does what its name says', () => {
		const old = { value: 'Ada', at: 100 };
		assert.equal(mergeFieldValue('fill-empty', old, { value: 'Grace', at: 200 })?.value, 'Ada');
		assert.equal(mergeFieldValue('fill-empty', { value: '', at: 100 }, { value: 'Grace', at: 200 })?.value, 'Grace');
		assert.equal(mergeFieldValue('last-wins', old, { value: 'Grace', at: 200 })?.value, 'Grace');
		assert.equal(mergeFieldValue('last-wins', old, { value: 'Grace', at: 50 })?.value, 'Ada', 'an older observation arriving late does not win');
		assert.equal(mergeFieldValue('first-wins', old, { value: 'Grace', at: 200 })?.value, 'Ada');
		assert.equal(mergeFieldValue('first-wins', old, { value: 'Grace', at: 50 })?.value, 'Grace', 'an earlier observation arriving late wins');
		assert.equal(mergeFieldValue('never', old, { value: 'Grace', at: 200 })?.value, 'Ada');
		assert.equal(mergeFieldValue('never', undefined, { value: 'Grace', at: 200 }, false), undefined, 'never writes only at creation');
		assert.equal(mergeFieldValue('never', undefined, { value: 'Grace', at: 200 }, true)?.value, 'Grace');
		assert.deepEqual(mergeFieldValue('union', { value: ['a', 'b'], at: 1 }, { value: ['b', 'c'], at: 2 })?.value, ['a', 'b', 'c']);
		assert.deepEqual(mergeFieldValue('union', { value: 'a', at: 1 }, { value: 'b', at: 2 })?.value, ['a', 'b']);
	});
});

describe('attribution touches', () => {
	it('first touch is the earliest and last touch the latest, in any arrival order', () => {
		const touch = fc.record({ utm_source: fc.stringMatching(/^[a-z]{1,8}$/), at: time });
		fc.assert(
			fc.property(fc.array(touch, { minLength: 1, maxLength: 10 }), (touches) => {
				let state: { firstTouch: Touch | null; lastTouch: Touch | null } = { firstTouch: null, lastTouch: null };
				for (const t of touches) state = applyTouch(state, normalizeTouch(t, 0));
				assert.equal(state.firstTouch?.at, Math.min(...touches.map((t) => t.at)));
				assert.equal(state.lastTouch?.at, Math.max(...touches.map((t) => t.at)));
			}),
		);
	});

	it('a touch without attribution moves nothing', () => {
		assert.equal(normalizeTouch({ utm_source: '  ', referrer: null }, 5), null);
		assert.throws(() => normalizeTouch({ utm_sauce: 'x' }, 5), /attribution\.utm_sauce: is not an attribution key/);
	});
});
