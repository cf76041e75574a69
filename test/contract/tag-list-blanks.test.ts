import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] tag lists with blanks`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('blank entries in a tag list ("a, ,b ,", or an array with blanks) are dropped and names trimmed: no empty tag is ever created', async () => {
			const launch = 'tag-blanks';
			await t.ledger.settings.update(launch, { unknownTagPolicy: 'allow' });
			const a = await t.ledger.contacts.upsert({ launch, email: 'blank@example.com', tags: 'a, ,b ,' });
			assert.deepEqual([...a.tags.applied].sort(), ['a', 'b']);
			const b = await t.ledger.contacts.upsert({ launch, email: 'blank2@example.com', tags: ['vip', ' ', '', ' early bird '] });
			assert.deepEqual([...b.tags.applied].sort(), ['early-bird', 'vip']);
			const normalized = await t.ledger.tags.normalize({ launch, tags: ' a , , b ,,' });
			assert.deepEqual(normalized.map((r) => [r.input, r.tag]), [
				['a', 'a'],
				['b', 'b'],
			]);
			const none = await t.ledger.tags.apply({ launch, contactId: a.contactId, tags: ' , ,' });
			assert.deepEqual(none.applied, []);

			await t.ledger.settings.update('tag-blanks-q', { unknownTagPolicy: 'quarantine' });
			await t.ledger.contacts.upsert({ launch: 'tag-blanks-q', email: 'q@example.com', tags: ' new tag ,  ,' });
			assert.deepEqual((await t.ledger.tags.quarantined('tag-blanks-q')).map((q) => q.raw), ['new tag'], 'kept as typed, without the padding');

			const blank = await t.ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM contact_tags WHERE TRIM(tag) = ''`);
			assert.equal(Number(blank[0]!.n), 0);
			assert.deepEqual((await t.ledger.tags.ofContact(a.contactId)).map((x) => x.tag), ['a', 'b']);
		});
	});
}
