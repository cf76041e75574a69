import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { purchaseFactSource } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const SECRET = 'whsec_races';

function signed(payload: object): { rawBody: string; headers: Record<string, string> } {
	const rawBody = JSON.stringify(payload);
	const t = Math.floor(Date.now() / 1000);
	return { rawBody, headers: { 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${rawBody}`).digest('hex')}` } };
}

async function effects(t: TestLedger, launch: string, contactId: string): Promise<{ kind: string; status: string }[]> {
	const rows = await t.ledger.store.query<{ kind: string; status: string }>('SELECT kind, status FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY seq', [launch, contactId]);
	return rows.map((r) => ({ kind: r.kind, status: r.status }));
}

for (const driver of DRIVERS) {
	describe(`[${driver}] purchases: concurrent events, kill switch, reconcile facts`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('different events of one purchase, and two purchases of one product, processed at the same moment grant once', async () => {
			const launch = 'race';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'race@example.com' });
			const { token } = await t.ledger.purchases.createCheckoutToken({ launch, contactId });
			// Ten distinct event ids (Stripe retries are one id; these are different events of one order)
			// plus a second order of the same product.
			const payloads = [
				...Array.from({ length: 5 }, (_, i) => stripe.checkoutCompleted(`evt_race_${i}`, { token, customer: 'cus_race', order: 'pi_race' })),
				...Array.from({ length: 5 }, (_, i) => stripe.asyncSucceeded(`evt_race_async_${i}`, { token, customer: 'cus_race', order: 'pi_race' })),
				stripe.checkoutCompleted('evt_race_other', { token, customer: 'cus_race', order: 'pi_race_2' }),
			];
			const received = await Promise.all(payloads.map((p) => t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...signed(p) })));
			assert.ok(received.every((r) => !r.duplicate));
			const decisions = await Promise.all(received.map((r) => t.ledger.purchases.process(r.id)));
			assert.equal(decisions.filter((d) => d.decision === 'grant').length, 1);
			assert.ok(decisions.every((d) => d.contactId === contactId));
			assert.deepEqual((await effects(t, launch, contactId)).map((e) => e.kind), ['grant']);
			assert.equal((await t.ledger.purchases.access({ launch, contactId, productId: 'course' }))?.state, 'granted');
		});

		it('while the kill switch holds grants, the decision is still taken and its grant waits as held', async () => {
			const launch = 'paused';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'held@example.com' });
			await t.ledger.outbox.pause({ launch, by: 'ops', reason: 'delivery platform down' });
			const d = await t.ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_held', { email: 'held@example.com', customer: 'cus_held', order: 'pi_held' })));
			assert.equal(d.decision, 'grant');
			assert.deepEqual(await effects(t, launch, contactId), [{ kind: 'grant', status: 'held' }]);
			const refund = await t.ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.chargeRefunded('evt_held_r', { order: 'pi_held', customer: 'cus_held' })));
			assert.equal(refund.decision, 'revoke');
			assert.deepEqual((await effects(t, launch, contactId)).map((e) => `${e.kind}:${e.status}`), ['grant:held', 'revoke:pending'], 'only grants are held');
		});

		it('gives the reconcile sweep facts it can act on, and hides pins, open disputes and refund windows from it', async () => {
			const launch = 'facts';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course' });
			const apply = (payload: object, revokeAfterMs = 0) => t.ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', payload), { revokeAfterMs });
			const people = await Promise.all(['paid', 'window', 'disputed', 'pinned'].map((name) => t.ledger.contacts.upsert({ launch, email: `${name}@example.com` })));
			for (const name of ['paid', 'window', 'disputed', 'pinned']) await apply(stripe.checkoutCompleted(`evt_f_${name}`, { email: `${name}@example.com`, customer: `cus_${name}`, order: `pi_${name}` }));
			await apply(stripe.chargeRefunded('evt_f_window_r', { order: 'pi_window', customer: 'cus_window' }), 3_600_000);
			await apply(stripe.dispute('evt_f_disputed_d', 'charge.dispute.created', 'needs_response', { order: 'pi_disputed' }));
			await t.ledger.purchases.pin({ launch, contactId: people[3]!.contactId, productId: 'course', pin: 'revoke', reason: 'abuse', by: 'ops' });
			const facts = await t.ledger.store.transaction((tx) => purchaseFactSource.forOrders(tx, launch, ['pi_paid', 'pi_window', 'pi_disputed', 'pi_pinned', 'pi_unknown']));
			const byOrder = Object.fromEntries(facts.map((f) => [f.orderId, [f.state, f.accessGranted]]));
			assert.deepEqual(byOrder, {
				pi_paid: ['paid', true],
				pi_window: ['refund_window', true],
				pi_disputed: ['disputed', false],
				pi_pinned: ['pinned_revoke', false],
			});
			const report = await t.ledger.reconcile.sweep({
				launch,
				checkout: ['paid', 'window', 'disputed', 'pinned'].map((name) => ({ orderId: `pi_${name}`, email: `${name}@example.com`, productId: 'course' })),
				purchases: purchaseFactSource,
			});
			assert.equal(report.fixes, 0, 'nothing for the sweep to fix: the state machine owns these');
			const access = await t.ledger.store.transaction((tx) => purchaseFactSource.forAccess(tx, launch, [{ contactId: people[0]!.contactId, productId: 'course' }]));
			assert.deepEqual(access.map((f) => [f.orderId, f.state]), [['pi_paid', 'paid']]);
		});
	});
}
