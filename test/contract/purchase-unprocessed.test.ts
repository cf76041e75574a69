import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const KEY = 'whsec_contract_unprocessed';
const MINUTE = 60_000;

for (const driver of DRIVERS) {
	describe(`[${driver}] purchases: deliveries left unprocessed by a failed run`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('lists verified deliveries still received after the grace period, oldest first; processing one removes it from the list', async () => {
			const launch = 'unprocessed';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const now = Date.now();
			const receive = (id: string, order: string, at: number, secret = KEY) =>
				t.ledger.purchases.receive({ launch, provider: 'stripe', secret: KEY, now: at, ...stripeSign(JSON.stringify(stripe.checkoutCompleted(id, { order })), secret, at) });
			const old = await receive('evt_old', 'pi_old', now - 30 * MINUTE);
			const older = await receive('evt_older', 'pi_older', now - 60 * MINUTE);
			const fresh = await receive('evt_fresh', 'pi_fresh', now - 1 * MINUTE);
			const done = await receive('evt_done', 'pi_done', now - 40 * MINUTE);
			await t.ledger.purchases.process(done.id);
			const forged = await receive('evt_forged', 'pi_forged', now - 50 * MINUTE, 'whsec_other');
			assert.equal(forged.status, 'rejected');
			assert.equal(fresh.status, 'received');

			const waiting = await t.ledger.purchases.unprocessed({ launch, olderThanMs: 10 * MINUTE, now });
			assert.deepEqual(waiting.map((e) => e.id), [older.id, old.id], 'not the fresh one (its run may still be going), not processed, not rejected');

			// Access was already granted by evt_done (same person, same product): processed, nothing new to grant.
			const replayed = await t.ledger.purchases.process(older.id);
			assert.deepEqual([replayed.duplicate, (await t.ledger.purchases.inboxEntry(older.id))?.status], [false, 'processed']);
			assert.deepEqual((await t.ledger.purchases.unprocessed({ launch, olderThanMs: 10 * MINUTE, now })).map((e) => e.id), [old.id]);
			assert.deepEqual((await t.ledger.purchases.unprocessed({ launch: 'other-launch', now })).length, 0);
		});
	});
}
