import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { runJsonWorker } from '../support/json-worker';

const runWorker = (args: object) => runJsonWorker<{ contactId: string; created: boolean }[]>('test/support/upsert-worker.ts', args);

for (const driver of DRIVERS) {
	describe(`[${driver}] upserts from separate OS processes`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('50 concurrent upserts of one email from 4 processes make exactly one contact', async () => {
			// 13+13+12+12: the processes also race on migrating the fresh database.
			const counts = [13, 13, 12, 12];
			const results = (
				await Promise.all(counts.map((count, worker) => runWorker({ config: db.config, launch: 'spike', email: 'same@example.com', count, worker })))
			).flat();
			assert.equal(results.length, 50);
			assert.equal(new Set(results.map((r) => r.contactId)).size, 1, 'every upsert landed on one contact');
			assert.equal(results.filter((r) => r.created).length, 1, 'exactly one upsert created it');
			const ledger = new Ledger(await openStore(db.config));
			try {
				assert.equal(await ledger.contacts.count('spike'), 1);
				const [rows] = await ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts WHERE launch = 'spike'`);
				assert.equal(Number(rows?.n), 1, 'no stray contact rows either');
				const contact = await ledger.contacts.get(results[0]!.contactId);
				assert.equal(contact?.profile.first_name !== undefined, true);
				assert.ok(contact?.firstTouch && contact.lastTouch, 'attribution recorded');
			} finally {
				await ledger.close();
			}
		});
	});
}
