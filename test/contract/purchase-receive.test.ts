import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, type DeliveryNextStep, type ReceiveWebhookInput } from '../../ledger';
import { createStore, migrate } from '../../ledger/internal';
import { gumroad, stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';

/**
 * purchases.receive's next step — answer, confirm (then confirmSale), or run — and the pending sale
 * confirmation kept as data (purchase_inbox.confirmation_pending, migration 24).
 */

const SECRET = 'whsec_contract_receive';
const GUMROAD_SECRET = 'gumroad-url-secret';

type Step<S extends DeliveryNextStep['step']> = Extract<DeliveryNextStep, { step: S }>;

function step<S extends DeliveryNextStep['step']>(next: DeliveryNextStep, kind: S): Step<S> {
	assert.equal(next.step, kind, `expected ${kind}, got ${JSON.stringify(next)}`);
	return next as Step<S>;
}

const stripeDelivery = (launch: string, payload: object, secret = SECRET, signWith = SECRET): ReceiveWebhookInput => ({ launch, provider: 'stripe', secret, ...stripeSign(JSON.stringify(payload), signWith) });
const gumroadPing = (launch: string, order: string, extra: Partial<ReceiveWebhookInput> = {}): ReceiveWebhookInput => ({
	launch,
	provider: 'gumroad',
	secret: GUMROAD_SECRET,
	urlSecret: GUMROAD_SECRET,
	rawBody: gumroad.sale({ order }),
	headers: { 'content-type': 'application/x-www-form-urlencoded' },
	...extra,
});

for (const driver of DRIVERS) {
	describe(`[${driver}] purchases.receive: the next step`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('a verified payment: answer 200 received and a run with the event and payload; its repeat is a duplicate', async () => {
			const launch = 'next-run';
			const received = await t.ledger.purchases.receive(stripeDelivery(launch, stripe.checkoutCompleted('evt_run', { order: 'pi_run' })));
			const run = step(received.next, 'run');
			assert.deepEqual(run.answer, { status: 200, body: { ok: true, status: 'received', inboxId: received.id, eventId: 'evt_run', type: 'captured' } });
			assert.deepEqual([run.run.launch, run.run.inboxId, run.run.event.eventId, run.run.confirmed, (run.run.payload as { id?: string }).id], [launch, received.id, 'evt_run', null, 'evt_run']);

			const repeat = await t.ledger.purchases.receive(stripeDelivery(launch, stripe.checkoutCompleted('evt_run', { order: 'pi_run' })));
			assert.deepEqual(step(repeat.next, 'answer').answer, { status: 200, body: { ok: true, status: 'duplicate', inboxId: received.id, eventId: 'evt_run' } });
		});

		it('refused deliveries are answered with the reason: 401 not verified, 400 unreadable', async () => {
			const launch = 'next-refused';
			const forged = await t.ledger.purchases.receive(stripeDelivery(launch, stripe.checkoutCompleted('evt_forged'), SECRET, 'whsec_someone_else'));
			assert.deepEqual(step(forged.next, 'answer').answer, { status: 401, body: { ok: false, status: 'rejected', reason: 'bad_signature', inboxId: forged.id } });
			const unreadable = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSign('not json', SECRET) });
			const answer = step(unreadable.next, 'answer').answer;
			assert.deepEqual([answer.status, answer.body.reason, answer.body.message, unreadable.status], [400, 'unreadable', 'body: is not JSON', 'rejected']);
		});

		it('an event type the pack does not act on is closed as ignored and answered 200, in the same call', async () => {
			const launch = 'next-unknown';
			const received = await t.ledger.purchases.receive(stripeDelivery(launch, { id: 'evt_unknown', type: 'customer.created', data: { object: { id: 'cus_1' } } }));
			assert.deepEqual(step(received.next, 'answer').answer, {
				status: 200,
				body: { ok: true, status: 'ignored', reason: 'unknown_event_type', eventType: 'customer.created', inboxId: received.id },
			});
			assert.equal((await t.ledger.purchases.inboxEntry(received.id))?.status, 'ignored');
			const again = await t.ledger.purchases.process(received.id);
			assert.deepEqual([again.decision, again.reason, again.duplicate, again.eventType], ['no_change', 'unknown_event_type', true, 'customer.created'], 'processing it again changes nothing and says why');
		});

		it('without a secret the delivery is kept as not configured and answered 500; sent again with the secret it runs', async () => {
			const launch = 'next-unconfigured';
			const delivery = stripeDelivery(launch, stripe.checkoutCompleted('evt_later'));
			const unconfigured = await t.ledger.purchases.receive({ ...delivery, secret: null });
			const answer = step(unconfigured.next, 'answer').answer;
			assert.deepEqual([answer.status, answer.body.status, unconfigured.httpStatus], [500, 'not_configured', 500]);
			assert.match(String(answer.body.message), /The stripe secret is missing .*fill in its credential/);
			const kept = await t.ledger.purchases.inboxEntry(unconfigured.id);
			assert.deepEqual([kept?.status, kept?.signatureReason, kept?.rawBody], ['rejected', 'not_configured', delivery.rawBody]);
			assert.equal(step((await t.ledger.purchases.receive({ ...delivery, secret: '' })).next, 'answer').answer.status, 500, 'an empty secret is no secret');
			assert.equal(step((await t.ledger.purchases.receive(delivery)).next, 'run').run.event.eventId, 'evt_later');
		});

		it('a Gumroad sale is confirmed first: unreachable → 503 and pending (as data) until the repeat; confirmed → one run', async () => {
			const launch = 'next-gumroad';
			const first = await t.ledger.purchases.receive(gumroadPing(launch, 'sale_later'));
			const confirm = step(first.next, 'confirm');
			assert.deepEqual([confirm.inboxId, confirm.provider, confirm.sale.sale_id], [first.id, 'gumroad', 'sale_later']);

			const unavailable = await t.ledger.purchases.confirmSale(first.id, { confirmed: false, final: false, reason: 'HTTP 503' });
			assert.deepEqual(step(unavailable, 'answer').answer, {
				status: 503,
				body: { ok: false, status: 'retry_later', reason: 'confirmation_unavailable', message: 'HTTP 503', inboxId: first.id },
			});
			const pending = await t.ledger.purchases.inboxEntry(first.id);
			assert.deepEqual([pending?.status, pending?.confirmationPending, pending?.lastError], ['received', true, 'confirmation_unavailable: HTTP 503']);
			assert.deepEqual(await t.ledger.purchases.unprocessed({ launch, olderThanMs: 0, now: Date.now() + 1 }), [], 'a replay leaves it to the repeat');

			// The human text no longer decides: with other words in last_error the entry is still pending.
			await t.ledger.store.execute("UPDATE purchase_inbox SET last_error = 'Gumroad was down' WHERE id = $1", [first.id]);
			const repeat = await t.ledger.purchases.receive(gumroadPing(launch, 'sale_later'));
			assert.deepEqual([repeat.duplicate, step(repeat.next, 'confirm').inboxId], [true, first.id]);
			const ran = step(await t.ledger.purchases.confirmSale(first.id, { confirmed: true }), 'run');
			assert.deepEqual([ran.answer.status, ran.answer.body.status, ran.run.confirmed, ran.run.event.eventId, ran.run.payload.sale_id], [200, 'received', true, 'sale_later:captured', 'sale_later']);
			const confirmed = await t.ledger.purchases.inboxEntry(first.id);
			assert.deepEqual([confirmed?.confirmationPending, typeof confirmed?.confirmedAt, confirmed?.lastError], [false, 'number', null]);

			const third = await t.ledger.purchases.receive(gumroadPing(launch, 'sale_later'));
			assert.equal(step(third.next, 'answer').answer.body.status, 'duplicate');
			// A second confirmation of a sale already confirmed (two repeats at once) starts no second run.
			assert.equal(step(await t.ledger.purchases.confirmSale(first.id, { confirmed: true }), 'answer').answer.body.status, 'duplicate');
		});

		it('a Gumroad sale not confirmed for good is ignored (200); with confirmation off the ping runs unconfirmed', async () => {
			const launch = 'next-gumroad-final';
			const first = await t.ledger.purchases.receive(gumroadPing(launch, 'sale_fake'));
			const answer = step(await t.ledger.purchases.confirmSale(step(first.next, 'confirm').inboxId, { confirmed: false, final: true, reason: 'Gumroad has no sale sale_fake' }), 'answer').answer;
			assert.deepEqual(answer, { status: 200, body: { ok: true, status: 'ignored', reason: 'not_confirmed', message: 'Gumroad has no sale sale_fake', inboxId: first.id } });
			const entry = await t.ledger.purchases.inboxEntry(first.id);
			assert.deepEqual([entry?.status, entry?.decision, entry?.confirmationPending], ['ignored', 'not_confirmed', false]);
			const repeat = await t.ledger.purchases.receive(gumroadPing(launch, 'sale_fake'));
			assert.equal(step(repeat.next, 'answer').answer.body.status, 'duplicate');

			const unconfirmed = await t.ledger.purchases.receive(gumroadPing(launch, 'sale_off', { confirmSales: false }));
			assert.equal(step(unconfirmed.next, 'run').run.confirmed, false);
		});
	});

	describe(`[${driver}] migration 24: a delivery pending by the old error text stays pending`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('marks old pending rows (error prefix, never confirmed) as pending and no others; the repeat then confirms', async () => {
			const launch = 'migrated';
			const store = createStore(db.config);
			const ledger = new Ledger(store);
			try {
				assert.equal(await migrate(store, 23), 23);
				// Received pings as version 23 stored them (today's code writes columns of later migrations).
				const oldPing = async (order: string) => {
					const id = `old-${order}`;
					await store.execute(
						`INSERT INTO purchase_inbox (id, launch, provider, dedupe_key, event_id, event_type, raw_body, headers, signature_ok, status, attempts, received_at)
						 VALUES ($1, $2, 'gumroad', $3, $3, 'sale', $4, '{}', 1, 'received', 1, $5)`,
						[id, launch, `${order}:captured`, gumroad.sale({ order }), Date.now() - 1000],
					);
					return { id };
				};
				const pending = await oldPing('sale_old_pending');
				const confirmedBefore = await oldPing('sale_old_confirmed');
				const untouched = await oldPing('sale_old_fresh');
				// What recordConfirmation wrote before migration 24.
				await store.execute("UPDATE purchase_inbox SET last_error = 'confirmation_unavailable: HTTP 503' WHERE id = $1", [pending.id]);
				await store.execute("UPDATE purchase_inbox SET last_error = 'confirmation_unavailable: HTTP 503', confirmed_at = $2 WHERE id = $1", [confirmedBefore.id, Date.now()]);

				assert.ok((await migrate(store)) >= 24);
				const flags = await Promise.all([pending, confirmedBefore, untouched].map(async (r) => (await ledger.purchases.inboxEntry(r.id))?.confirmationPending));
				assert.deepEqual(flags, [true, false, false]);
				const waiting = await ledger.purchases.unprocessed({ launch, olderThanMs: 0, now: Date.now() + 1 });
				assert.deepEqual(waiting.map((e) => e.id).sort(), [confirmedBefore.id, untouched.id].sort());
				const repeat = await ledger.purchases.receive(gumroadPing(launch, 'sale_old_pending'));
				assert.equal(step(repeat.next, 'confirm').inboxId, pending.id);
			} finally {
				await ledger.close();
			}
		});
	});
}
