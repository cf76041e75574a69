import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createStore, joinLine, migrate, placeByScan, placeInLine, updateLineEntry } from '../../ledger/internal';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * Migration 95 on a ledger whose line already has people in it: on SQLite the count tree moves into a
 * clustered (WITHOUT ROWID) table with every count kept, so every place is what it was; on PostgreSQL
 * it changes nothing. Either way the line keeps working after it.
 */
for (const driver of DRIVERS) {
	describe(`[${driver}] migration 95: the line's counts clustered by their key`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('keeps every count and place, and the line goes on working', async () => {
			const store = createStore(db.config);
			try {
				assert.ok((await migrate(store, 94)) < 95, 'the schema as it was before migration 95');
				const launch = 'before-95';
				const model: Array<{ id: string; number: number; credits: number }> = [];
				await store.transaction(async (tx) => {
					for (let i = 1; i <= 40; i++) {
						await joinLine(tx, { launch, contactId: `c${i}`, now: 1 });
						model.push({ id: `c${i}`, number: i, credits: 0 });
					}
					for (const [i, credits] of [[7, 2], [19, 1], [33, 4], [40, 9]] as const) {
						await updateLineEntry(tx, { launch, contactId: `c${i}`, credits, now: 1 });
						model[i - 1]!.credits = credits;
					}
				});
				const countsBefore = await store.query('SELECT launch, level, prefix, count FROM line_counts ORDER BY launch, level, prefix');
				assert.ok(countsBefore.length > 40);

				await migrate(store);
				assert.deepEqual(await store.query('SELECT launch, level, prefix, count FROM line_counts ORDER BY launch, level, prefix'), countsBefore);
				if (driver === 'sqlite') {
					const [table] = await store.query<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'line_counts'");
					assert.match(table!.sql, /WITHOUT ROWID/);
				}
				await store.transaction(async (tx) => {
					await joinLine(tx, { launch, contactId: 'c41', now: 2 });
					await updateLineEntry(tx, { launch, contactId: 'c41', credits: 3, now: 2 });
				});
				model.push({ id: 'c41', number: 41, credits: 3 });
				for (const m of model) {
					const found = await placeInLine(store, launch, m.id);
					assert.equal(found?.place, placeByScan(model, 1, m.id), `place of ${m.id}`);
					assert.equal(found?.of, model.length);
				}
			} finally {
				await store.close();
			}
		});
	});
}
