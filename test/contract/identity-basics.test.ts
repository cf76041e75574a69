import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] contact upsert by email`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('creates one contact and finds it again by a differently typed email', async () => {
			const first = await t.ledger.contacts.upsert({ launch: 'default', email: '  Ada@Example.COM ', fields: { first_name: 'Ada' } });
			const second = await t.ledger.contacts.upsert({ launch: 'default', email: 'ada@example.com' });
			assert.equal(first.created, true);
			assert.equal(second.created, false);
			assert.equal(second.contactId, first.contactId);
			assert.equal(await t.ledger.contacts.count('default'), 1);
			const contact = await t.ledger.contacts.get(first.contactId);
			assert.equal(contact?.email, 'Ada@Example.COM', 'the address as typed is kept for display');
		});

		it('never replaces a stored value with an empty one', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch: 'default', email: 'grace@example.com', fields: { first_name: 'Grace' } });
			await t.ledger.contacts.upsert({ launch: 'default', email: 'grace@example.com', fields: { first_name: '  ' } });
			assert.equal((await t.ledger.contacts.get(contactId))?.profile.first_name, 'Grace');
		});

		it('keeps launches apart', async () => {
			const a = await t.ledger.contacts.upsert({ launch: 'spring', email: 'lin@example.com' });
			const b = await t.ledger.contacts.upsert({ launch: 'autumn', email: 'lin@example.com' });
			assert.notEqual(a.contactId, b.contactId);
		});

		it('settles concurrent upserts of one email on one contact', async () => {
			const results = await Promise.all(
				Array.from({ length: 20 }, () => t.ledger.contacts.upsert({ launch: 'race', email: 'same@example.com' })),
			);
			assert.equal(new Set(results.map((r) => r.contactId)).size, 1);
			assert.equal(results.filter((r) => r.created).length, 1);
			assert.equal(await t.ledger.contacts.count('race'), 1);
		});

		it('rejects an invalid email naming the field', async () => {
			await assert.rejects(t.ledger.contacts.upsert({ launch: 'default', email: 'not-an-email' }), /email: .*not a valid email/);
		});
	});
}
