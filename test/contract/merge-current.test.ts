import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] contacts.current: the contact a merged one lives on in`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('follows merges to the active contact (A → B → C gives C); an active contact is itself; unknown ids are null; unmerge ends the chain', async () => {
			const launch = 'merge-current';
			const a = await t.ledger.contacts.upsert({ launch, email: 'a@example.com' });
			const b = await t.ledger.contacts.upsert({ launch, email: 'b@example.com' });
			const c = await t.ledger.contacts.upsert({ launch, email: 'c@example.com' });
			await t.ledger.contacts.merge({ launch, sourceContactId: a.contactId, targetContactId: b.contactId });
			await t.ledger.contacts.merge({ launch, sourceContactId: b.contactId, targetContactId: c.contactId });

			assert.equal((await t.ledger.contacts.current(a.contactId))?.id, c.contactId);
			assert.equal((await t.ledger.contacts.current(b.contactId))?.id, c.contactId);
			assert.equal((await t.ledger.contacts.current(c.contactId))?.id, c.contactId);
			assert.equal((await t.ledger.contacts.get(a.contactId))?.mergedInto, b.contactId, 'get still returns the merged contact itself');
			assert.equal(await t.ledger.contacts.current('00000000-0000-4000-8000-000000000000'), null);

			await t.ledger.contacts.unmerge({ launch, contactId: b.contactId });
			assert.equal((await t.ledger.contacts.current(b.contactId))?.id, b.contactId, 'unmerged: b is active again');
			assert.equal((await t.ledger.contacts.current(a.contactId))?.id, b.contactId, 'a still lives on in b');
		});
	});
}
