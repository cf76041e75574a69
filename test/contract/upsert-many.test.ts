/**
 * contacts.upsertMany: one outcome per input, exactly what one contacts.upsert per input would give
 * (in order, errors for their input only), whether the inputs share a transaction (SQLite) or not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { UPSERT_MANY_CHUNK } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] contacts.upsertMany`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
			await t.ledger.tags.add({ launch: 'imp', tag: 'early-bird' });
		});
		after(async () => t?.cleanup());

		it('gives each input the outcome of its own upsert, across chunk boundaries, with bad inputs reported alone', async () => {
			const n = UPSERT_MANY_CHUNK + 30;
			const inputs = Array.from({ length: n }, (_, i) => {
				if (i === 5) return { launch: 'imp', email: 'not-an-email', source: 'import' };
				if (i === 7) return { launch: 'imp', email: 'tagged@example.com', tags: ['no-such-tag'], source: 'import' };
				// The same person twice (i and i + 1 for i = 20, and across the chunk boundary): created once, then updated.
				const person = i === 21 || i === UPSERT_MANY_CHUNK ? i - 1 : i;
				return { launch: 'imp', email: `person${person}@example.com`, fields: { first_name: `P${i}` }, attribution: { utm_source: 'csv' }, tags: ['early-bird'], source: 'import' };
			});
			const outcomes = await t.ledger.contacts.upsertMany(inputs);
			assert.equal(outcomes.length, n);
			const bad = outcomes.flatMap((o, i) => (o.ok ? [] : [[i, o.error.message]] as const));
			assert.deepEqual(bad.map(([i]) => i), [5, 7]);
			assert.match(bad[0]![1], /email/);
			assert.match(bad[1]![1], /not in the tag registry/);
			const ok = (i: number) => {
				const o = outcomes[i]!;
				assert.ok(o.ok);
				return o.result;
			};
			assert.equal(ok(20).created, true);
			assert.equal(ok(21).created, false);
			assert.equal(ok(21).contactId, ok(20).contactId);
			assert.equal(ok(UPSERT_MANY_CHUNK).contactId, ok(UPSERT_MANY_CHUNK - 1).contactId);
			assert.equal(await t.ledger.contacts.count('imp'), n - 2 - 2);
			// Fill-empty keeps the first name seen; history shows the create, the tag and the touch.
			const p20 = await t.ledger.contacts.get(ok(20).contactId);
			assert.equal(p20?.profile.first_name, 'P20');
			assert.deepEqual(p20?.tags, ['early-bird']);
			const history = await t.ledger.contacts.history(ok(20).contactId);
			assert.deepEqual(history.filter((e) => e.type === 'contact.created' || e.type === 'tag.applied').length, 2);
			assert.equal(await t.ledger.contacts.find({ launch: 'imp', kind: 'email', value: 'tagged@example.com' }), null);
		});

		it('matches what upserting one by one gives, field for field', async () => {
			// Fixed observation times (receivedAt), so both sides record the same touches.
			const inputs = [
				{ launch: 'cmp-many', email: 'a@example.com', fields: { first_name: 'Ann' }, tags: ['Early Bird'], receivedAt: 1_000 },
				{ launch: 'cmp-many', email: 'A@Example.com', fields: { first_name: 'Anna', city: 'Oslo' }, attribution: { utm_source: 'ig' }, receivedAt: 2_000 },
				{ launch: 'cmp-many', email: 'b@example.com', phone: '+14155552671', consent: { marketing_email: true }, receivedAt: 3_000 },
			];
			await t.ledger.settings.update('cmp-many', { unknownTagPolicy: 'allow' });
			await t.ledger.settings.update('cmp-one', { unknownTagPolicy: 'allow' });
			const many = await t.ledger.contacts.upsertMany(inputs);
			const one = [];
			for (const input of inputs) one.push(await t.ledger.contacts.upsert({ ...input, launch: 'cmp-one' }));
			const shape = async (contactId: string) => {
				const c = await t.ledger.contacts.get(contactId);
				const history = await t.ledger.contacts.history(contactId);
				return { ...c, id: undefined, launch: undefined, createdAt: undefined, updatedAt: undefined, profile: c?.profile, history: history.map((e) => [e.type, e.data]) };
			};
			for (const [i, o] of many.entries()) {
				assert.ok(o.ok);
				assert.equal(o.result.created, one[i]!.created);
				assert.deepEqual(o.result.changes, one[i]!.changes);
				assert.deepEqual(o.result.tags, one[i]!.tags);
				assert.deepEqual(await shape(o.result.contactId), await shape(one[i]!.contactId));
			}
		});
	});
}
