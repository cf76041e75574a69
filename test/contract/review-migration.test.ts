import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger } from '../../ledger';
import { createStore, migrate } from '../../ledger/internal';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * Migration 7 on a ledger that already has review items: open ones get their cause from what they
 * record, and one cause's several open items (an unmatched purchase's two deliveries and the
 * sweep's item) become one — the oldest — so the unique index can hold and the cause closes it.
 */
for (const driver of DRIVERS) {
	describe(`[${driver}] migration 7: review items from before get their subject`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('names the cause of old open items, keeps the oldest open per cause, and leaves resolved ones alone', async () => {
			const store = createStore(db.config);
			const ledger = new Ledger(store);
			try {
				assert.equal(await migrate(store, 6), 5, "the schema as it was before migration 7 (5, the email re-keying, is the newest below it)");
				const insert = (id: string, kind: string, reason: string, payload: object, at: number, extra: { contact?: string; other?: string; status?: string } = {}) =>
					store.execute(
						`INSERT INTO review_items (id, launch, kind, reason, contact_id, other_contact_id, payload, status, created_at) VALUES ($1, 'old', $2, $3, $4, $5, $6, $7, $8)`,
						[id, kind, reason, extra.contact ?? null, extra.other ?? null, JSON.stringify(payload), extra.status ?? 'open', at],
					);
				await insert('r1', 'purchase', 'no_contact_match', { provider: 'stripe', eventId: 'evt_1', orderId: 'pi_old' }, 1000);
				await insert('r2', 'purchase', 'no_contact_match', { provider: 'stripe', eventId: 'evt_2', orderId: 'pi_old' }, 2000);
				await insert('r3', 'purchase_match', 'purchase_without_contact', { orderId: 'pi_old', email: 'x@example.com' }, 3000);
				await insert('r4', 'purchase', 'missing_order_id', { provider: 'paddle', eventId: 'evt_4', orderId: null }, 4000);
				await insert('r5', 'link_identifier', 'identifier_owned_by_other_contact', { kind: 'email' }, 5000, { contact: 'c_b', other: 'c_a' });
				await insert('r6', 'access', 'merged_duplicate_access', { productId: 'course' }, 6000, { contact: 'c_a', other: 'c_b' });
				await insert('r7', 'purchase', 'no_contact_match', { orderId: 'pi_done' }, 7000, { status: 'resolved' });

				await migrate(store);
				const rows = await store.query<{ id: string; subject: string | null; status: string; resolved_by: string | null }>(
					'SELECT id, subject, status, resolved_by FROM review_items ORDER BY id',
				);
				assert.deepEqual(
					rows.map((r) => [r.id, r.subject, r.status, r.resolved_by]),
					[
						['r1', 'order:pi_old', 'open', null],
						['r2', 'order:pi_old', 'resolved', 'migration 7'],
						['r3', 'order:pi_old', 'resolved', 'migration 7'],
						['r4', 'event:paddle:evt_4', 'open', null],
						['r5', 'contacts:c_a:c_b', 'open', null],
						['r6', 'access:c_a:course:merged_duplicate_access', 'open', null],
						['r7', null, 'resolved', null],
					],
				);
				// The sweep finding the order again does not open a second item.
				await ledger.reconcile.sweep({ launch: 'old', checkout: [{ orderId: 'pi_old', email: 'x@example.com' }] });
				assert.deepEqual((await ledger.review.list('old', { status: 'open' })).map((i) => i.id), ['r1', 'r4', 'r5', 'r6']);
			} finally {
				await ledger.close();
			}
		});
	});
}
