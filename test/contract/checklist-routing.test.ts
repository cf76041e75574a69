import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { routeHeaderOf, type SignupBody, type SubmitResult } from '../../ledger';
import { testLaunchLeftovers } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/*
 * Issue 16: a checklist run's test traffic goes through the real capture URL and payment webhook
 * (both set to the real launch) and is kept in the run's test launch — the real launch never holds
 * it. The real launch's drain delivers the test launch's work while the run is open, and Clean Up
 * leaves nothing behind.
 */

const SECRET = 'whsec_contract_routing';
const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
type Accepted = Extract<SubmitResult, { accepted: true }>;
type Refused = Extract<SubmitResult, { accepted: false }>;

for (const driver of DRIVERS) {
	describe(`[${driver}] checklist routing: test signups and payments kept in the run's test launch`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const submit = (launch: string, email: string, checklistRoute?: string | null) =>
			t.ledger.capture.submit({ launch, options: {}, request: { body: json({ email, utm_source: 'instagram' }), remoteAddress: '203.0.113.7', checklistRoute } });
		const contactsOf = async (launch: string) => (await t.ledger.store.query<{ email: string; is_test: number }>('SELECT email, is_test FROM contacts WHERE launch = $1 ORDER BY email', [launch])).map((r) => [r.email, Number(r.is_test)]);

		it('a signup with the run header is kept in the test launch, marked as a test; a wrong key or a cleaned run is refused (403, recorded), never kept in the real launch', async () => {
			const launch = 'route-capture';
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			const header = routeHeaderOf(run)!;
			assert.match(header, new RegExp(`^${run.id}\\.[A-Za-z0-9_-]{24}$`));

			const kept = (await submit(launch, 'ada+test@example.com', header)) as Accepted;
			assert.equal(kept.accepted, true);
			assert.equal(kept.launch, run.testLaunch);
			assert.deepEqual(await contactsOf(run.testLaunch), [['ada+test@example.com', 1]]);
			assert.deepEqual(await contactsOf(launch), []);
			assert.deepEqual((await t.ledger.outbox.list({ launch: run.testLaunch })).map((e) => e.kind).sort(), ['crm_sync', 'esp_sync']);

			const real = (await submit(launch, 'bea@example.com')) as Accepted;
			assert.deepEqual([real.launch, await contactsOf(launch)], [launch, [['bea@example.com', 0]]]);

			const other = await t.ledger.checklist.start({ launch: 'route-elsewhere', mode: 'dry' });
			for (const wrong of [`${run.id}.not-the-key-at-all-000000`, `${run.id}`, routeHeaderOf(other)!, 'ck_nope.key']) {
				const refused = (await submit(launch, 'eve@example.com', wrong)) as Refused;
				assert.deepEqual([refused.accepted, refused.status, refused.reason], [false, 403, 'checklist_run_refused'], wrong);
				assert.equal(refused.errors[0]?.field, 'x-waitlist-checklist');
				assert.match(refused.errors[0]!.reason, /names no pre-launch checklist run of launch "route-capture"/);
			}
			assert.equal((await t.ledger.capture.rejections(launch)).length, 4, 'each refusal recorded in the launch the trigger serves');

			await t.ledger.checklist.cleanUpLedger(run.id);
			const late = (await submit(launch, 'ada+late@example.com', header)) as Refused;
			assert.equal(late.status, 403);
			assert.match(late.errors[0]!.reason, /was cleaned up; start a new run/);
			assert.deepEqual([await contactsOf(run.testLaunch), await contactsOf(launch)], [[], [['bea@example.com', 0]]]);
		});

		it('a signed payment whose checkout token was made in the test launch is kept there; the real launch’s drain claims and settles its grant; after Clean Up nothing is left and the drain no longer serves it', async () => {
			const launch = 'route-pay';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			assert.deepEqual(await t.ledger.checklist.prepareTestLaunch(run.id), { products: ['course'] });
			const buyer = await t.ledger.contacts.upsert({ launch: run.testLaunch, email: 'ada+buyer@example.com', isTest: true });
			const token = await t.ledger.purchases.createCheckoutToken({ launch: run.testLaunch, contactId: buyer.contactId, productId: 'course' });
			const realBuyer = await t.ledger.contacts.upsert({ launch, email: 'bea@example.com' });
			const realToken = await t.ledger.purchases.createCheckoutToken({ launch, contactId: realBuyer.contactId, productId: 'course' });

			const deliver = (id: string, tokenValue: string, email: string) =>
				t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSign(JSON.stringify(stripe.checkoutCompleted(id, { token: tokenValue, email, order: `pi_${id}` })), SECRET) });
			const testPayment = await deliver('evt_route_test', token.token, 'someone-else@example.com');
			assert.equal(testPayment.next.step, 'run');
			assert.equal(testPayment.next.step === 'run' ? testPayment.next.run.launch : null, run.testLaunch);
			const realPayment = await deliver('evt_route_real', realToken.token, 'bea@example.com');
			assert.equal(realPayment.next.step === 'run' ? realPayment.next.run.launch : null, launch);
			assert.deepEqual((await t.ledger.purchases.inbox(launch)).map((e) => e.eventId), ['evt_route_real']);

			for (const received of [testPayment, realPayment]) if (received.next.step === 'run') await t.ledger.purchases.process(received.next.run.inboxId);
			assert.equal((await t.ledger.purchases.access({ launch: run.testLaunch, contactId: buyer.contactId, productId: 'course' }))?.state, 'granted');

			const claimed = await t.ledger.outbox.claim({ launch, kinds: ['grant'], limit: 10, leaseMs: 60_000, workerId: 'drain' });
			assert.deepEqual(claimed.map((c) => c.launch).sort(), [launch, run.testLaunch].sort(), 'the real drain hands out both grants');
			const renewed = await t.ledger.outbox.renew(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })), { leaseMs: 60_000 });
			assert.deepEqual(renewed.map((r) => r.outcome), ['renewed', 'renewed']);
			const acked = await t.ledger.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			assert.deepEqual(acked.map((a) => [a.id, a.outcome]), claimed.map((c) => [c.id, 'done']));
			// Another launch's drain is not served: the same proof under its name is not found.
			assert.deepEqual((await t.ledger.outbox.ack('route-elsewhere', [{ id: claimed[0]!.id, claimToken: 'x' }])).map((a) => a.outcome), ['not_found']);

			await t.ledger.checklist.cleanUpLedger(run.id);
			assert.deepEqual(await testLaunchLeftovers(t.ledger.store, run.testLaunch), {});
			assert.deepEqual((await t.ledger.contacts.find({ launch, kind: 'email', value: 'ada+buyer@example.com' })), null);
			// The run is cleaned: the drain hands out nothing from its test launch any more.
			assert.deepEqual((await t.ledger.outbox.claim({ launch, limit: 10, leaseMs: 60_000, workerId: 'drain' })).filter((c) => c.launch !== launch), []);
		});

		it('a refund of a test purchase (no token) follows its order into the test launch and revokes at once there; the real launch keeps its window', async () => {
			const launch = 'route-refund';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			await t.ledger.checklist.prepareTestLaunch(run.id);
			const sign = (payload: object) => ({ launch, provider: 'stripe' as const, secret: SECRET, ...stripeSign(JSON.stringify(payload), SECRET) });
			const processed = async (payload: object) => {
				const received = await t.ledger.purchases.receive(sign(payload));
				assert.equal(received.next.step, 'run');
				return received.next.step === 'run' ? t.ledger.purchases.process(received.next.run.inboxId, { revokeAfterMs: 86_400_000 }) : null;
			};
			const test = await t.ledger.contacts.upsert({ launch: run.testLaunch, email: 'ada+t@example.com', isTest: true });
			const testToken = await t.ledger.purchases.createCheckoutToken({ launch: run.testLaunch, contactId: test.contactId, productId: 'course' });
			const real = await t.ledger.contacts.upsert({ launch, email: 'bea@example.com' });
			const realToken = await t.ledger.purchases.createCheckoutToken({ launch, contactId: real.contactId, productId: 'course' });
			await processed(stripe.checkoutCompleted('evt_rf_test', { token: testToken.token, email: 'ada+t@example.com', order: 'pi_rf_test' }));
			await processed(stripe.checkoutCompleted('evt_rf_real', { token: realToken.token, email: 'bea@example.com', order: 'pi_rf_real' }));
			const testRefund = await processed(stripe.chargeRefunded('evt_rf_test_refund', { email: 'ada+t@example.com', order: 'pi_rf_test' }));
			const realRefund = await processed(stripe.chargeRefunded('evt_rf_real_refund', { email: 'bea@example.com', order: 'pi_rf_real' }));
			assert.deepEqual([testRefund?.launch, testRefund?.decision, testRefund?.accessState], [run.testLaunch, 'revoke', 'revoked']);
			assert.deepEqual([realRefund?.launch, realRefund?.decision, realRefund?.accessState], [launch, 'no_change', 'revoke_pending']);
		});

		it('the real launch\'s scheduled replay heals its open runs\' lost test payments after 5 s (its own after 10 minutes) and tags the healed contact reconciled-after-failure', async () => {
			const launch = 'route-replay';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			await t.ledger.checklist.prepareTestLaunch(run.id);
			const test = await t.ledger.contacts.upsert({ launch: run.testLaunch, email: 'ada+lost@example.com', isTest: true });
			const testToken = await t.ledger.purchases.createCheckoutToken({ launch: run.testLaunch, contactId: test.contactId, productId: 'course' });
			const real = await t.ledger.contacts.upsert({ launch, email: 'bea@example.com' });
			const realToken = await t.ledger.purchases.createCheckoutToken({ launch, contactId: real.contactId, productId: 'course' });
			const at = Date.now();
			for (const [id, token, email] of [['evt_lost_test', testToken.token, 'ada+lost@example.com'], ['evt_lost_real', realToken.token, 'bea@example.com']] as const) {
				const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, now: at, ...stripeSign(JSON.stringify(stripe.checkoutCompleted(id, { token, email, order: `pi_${id}` })), SECRET) });
				assert.equal(received.httpStatus, 200);
			}
			assert.deepEqual(await t.ledger.purchases.replayUnprocessed({ launch, now: at + 4_000 }), [], 'not before 5 s');
			const healed = await t.ledger.purchases.replayUnprocessed({ launch, now: at + 6_000 });
			assert.deepEqual(healed.map((h) => [h.entry.launch, h.decision?.decision]), [[run.testLaunch, 'grant']]);
			assert.deepEqual((await t.ledger.tags.ofContact(test.contactId)).map((x) => x.tag), ['reconciled-after-failure']);
			const later = await t.ledger.purchases.replayUnprocessed({ launch, now: at + 11 * 60_000 });
			assert.deepEqual(later.map((h) => [h.entry.launch, h.decision?.decision]), [[launch, 'grant']]);
			assert.deepEqual((await t.ledger.tags.ofContact(real.contactId)).map((x) => x.tag), ['reconciled-after-failure'], 'a real launch\'s healed payment is tagged too');
		});

		it('two drains of the real launch claiming at once hand each test grant out once', async () => {
			const launch = 'route-race';
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			const ids: string[] = [];
			for (let i = 0; i < 20; i++) {
				const { contactId } = await t.ledger.contacts.upsert({ launch: run.testLaunch, email: `race${i}@example.com`, isTest: true });
				const [entry] = await t.ledger.outbox.enqueueMany([{ launch: run.testLaunch, kind: 'grant', contactId, idempotencyKey: `race-${i}`, payload: {} }]);
				ids.push(entry!.id);
			}
			const claims = await Promise.all(
				Array.from({ length: 4 }, (_, w) => t.ledger.outbox.claim({ launch, kinds: ['grant'], limit: 20, leaseMs: 60_000, workerId: `drain-${w}` })),
			);
			const handed = claims.flat().map((c) => c.id).sort();
			assert.deepEqual(handed, [...ids].sort());
		});
	});
}
