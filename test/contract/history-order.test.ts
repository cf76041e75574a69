import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] history order`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('history with order "newest" and a limit gives the most recent events, newest first; the default stays oldest first', async () => {
			const launch = 'history-order';
			await t.ledger.settings.update(launch, { mergePolicy: { fields: { step: 'last-wins' } } });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'hist@example.com', fields: { step: 1 } });
			for (const step of [2, 3, 4, 5]) await t.ledger.contacts.upsert({ launch, email: 'hist@example.com', fields: { step } });
			const all = await t.ledger.contacts.history(contactId);
			assert.deepEqual(all.map((e) => e.type), ['contact.created', 'contact.updated', 'contact.updated', 'contact.updated', 'contact.updated']);
			const ids = all.map((e) => e.id);
			assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'oldest first by default');
			const latest = await t.ledger.contacts.history(contactId, { order: 'newest', limit: 2 });
			assert.deepEqual(latest.map((e) => e.id), ids.slice(-2).reverse(), 'the two most recent, newest first');
			const first = await t.ledger.contacts.history(contactId, { order: 'oldest', limit: 2 });
			assert.deepEqual(first.map((e) => e.id), ids.slice(0, 2));
			const launchLatest = await t.ledger.contacts.launchHistory(launch, { order: 'newest', limit: 1 });
			assert.equal(launchLatest[0]!.id, Math.max(...(await t.ledger.contacts.launchHistory(launch)).map((e) => e.id)));
			await assert.rejects(t.ledger.contacts.history(contactId, { order: 'sideways' as 'newest' }), /order: must be "newest" or "oldest"/);
		});
	});
}
