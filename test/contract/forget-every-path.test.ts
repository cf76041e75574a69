import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { describeDecision, ForgottenIdentityError, type SignupBody } from '../../ledger';
import type { SqlExecutor } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Issue 18: forget stays forgotten. A person signs up, takes a checkout token and pays; they are
 * forgotten; then every kind of event that can follow names them again — signups, a refused signup,
 * API upserts and links, a checkout token, every Stripe event kind the pack reads, a rejected and an
 * unreadable delivery, the user's own purchase event, a reconcile sweep whose vendors still list them. Afterwards no table holds their email, phone or
 * customer id, no contact was created, nothing entered the outbox, access did not move, and the
 * review desk says the deliveries belong to a forgotten person.
 */

const SECRET = 'whsec_forget_every_path';
const EMAIL = 'Wilhelmina.Forgetme@Example.com';
const PHONE = '+1 415 555 0199';
const NEEDLES = ['wilhelmina', 'forgetme', '4155550199', '415 555 0199', '415-555-0199', 'cus_wfm'];

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });

/** Every row of every table, as lower-case text (SQL over all columns), so the whole database can be searched. */
async function dumpAllTables(db: SqlExecutor): Promise<Record<string, string>> {
	const tables =
		db.dialect === 'sqlite'
			? await db.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
			: await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`);
	assert.ok(tables.length >= 10, `expected the ledger's tables, found ${tables.map((t) => t.name).join(', ')}`);
	const dump: Record<string, string> = {};
	for (const { name } of tables) {
		const text = JSON.stringify(await db.query(`SELECT * FROM ${name}`)).toLowerCase();
		dump[name] = `${text}\n${decodeURIComponent(text.replace(/%(?![0-9a-f]{2})/g, '%25'))}`;
	}
	return dump;
}

/** A Stripe event whose object carries the checkout token in its metadata (as the pack's checkout sets it). */
function withToken<T extends { data: { object: { metadata: Record<string, string> } } }>(event: T, token: string): T {
	return { ...event, data: { object: { ...event.data.object, metadata: { ...event.data.object.metadata, wl_token: token } } } };
}

const count = async (db: SqlExecutor, sql: string, params: (string | number)[] = []): Promise<number> => Number((await db.query<{ n: number }>(sql, params))[0]?.n ?? 0);

for (const driver of DRIVERS) {
	describe(`[${driver}] forget covers every path that can follow it`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('after a forget, no event of any kind brings back the email, phone or customer id, creates a contact, or moves access', async () => {
			const launch = 'forget-all';
			const store = t.ledger.store;
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const submit = (fields: Record<string, unknown>) =>
				t.ledger.capture.submit({ launch, options: { allowedOrigins: ['*'], minSeconds: 0 }, request: { body: json(fields), remoteAddress: '203.0.113.7', userAgent: 'forget-test' } });
			const deliver = (payload: object) => {
				const rawBody = JSON.stringify(payload);
				return t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
			};

			// Before: a signup with consent, a checkout token, a paid checkout (access granted).
			const signup = await submit({ email: EMAIL, phone: PHONE, first_name: 'Wilhelmina', consent: 'yes', utm_source: 'ig' });
			assert.equal(signup.accepted, true);
			const contactId = signup.accepted ? signup.result.contactId : '';
			const token = await t.ledger.purchases.checkoutToken({ launch, contactId, productId: 'course' });
			const paid = await deliver(stripe.checkoutCompleted('evt_wf_paid', { email: EMAIL, customer: 'cus_wfm', order: 'pi_wfm', token: token.token }));
			assert.equal((await t.ledger.purchases.process(paid.id)).decision, 'grant');
			await t.ledger.contacts.forget({ launch, contactId, source: 'gdpr-request' });

			const before = {
				contacts: await count(store, 'SELECT COUNT(*) AS n FROM contacts WHERE launch = $1', [launch]),
				outbox: await count(store, 'SELECT COUNT(*) AS n FROM outbox WHERE launch = $1', [launch]),
				access: JSON.stringify(await store.query('SELECT * FROM access WHERE launch = $1 ORDER BY contact_id, product_id', [launch])),
			};

			// Signups: the same address again, another spelling, phone only, and from the hosted form —
			// each answered as any signup is (nothing tells the sender it was forgotten), nothing kept.
			for (const fields of [
				{ email: EMAIL, consent: 'yes' },
				{ email: EMAIL.toUpperCase(), first_name: 'W', utm_source: 'newsletter' },
				{ email: 'someone-else@example.com', phone: PHONE },
				{ email: EMAIL, wl_form: 'hosted', consent: 'on' },
			]) {
				const result = await submit(fields);
				assert.equal(result.accepted, false);
				if (!result.accepted) assert.deepEqual([result.status, result.reason, result.message], [201, 'forgotten', "You're on the list."]);
			}
			// A refused signup (paid traffic without a source) naming the address: kept without what was sent.
			const refusedSignup = await submit({ email: EMAIL, utm_medium: 'cpc' });
			assert.ok(!refusedSignup.accepted && refusedSignup.reason === 'paid_without_source');
			const [rejection] = await t.ledger.capture.rejections(launch, 1);
			assert.deepEqual([rejection?.payload, rejection?.remoteAddress, rejection?.userAgent], ['[forgotten]', null, null]);

			// The API: upsert (plain, replayed, back-dated), a link onto someone else, a checkout token for the address.
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: EMAIL, source: 'crm' }), ForgottenIdentityError);
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: EMAIL, replay: true }), ForgottenIdentityError);
			await assert.rejects(t.ledger.contacts.upsert({ launch, phone: PHONE, email: 'x@example.com', receivedAt: Date.now() + 1000 }), ForgottenIdentityError);
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: 'y@example.com', customerId: 'stripe:cus_wfm' }), ForgottenIdentityError);
			await assert.rejects(t.ledger.purchases.checkoutToken({ launch, email: EMAIL, createContact: true, productId: 'course' }), ForgottenIdentityError);
			// A workflow's own outbox entry about her (with her email in its payload): refused.
			await assert.rejects(
				t.ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'own-grant', contactId, payload: { email: EMAIL } }),
				/contactId: contact .* was forgotten: nothing is sent about them/,
			);
			const before2 = await count(store, 'SELECT COUNT(*) AS n FROM contacts WHERE launch = $1', [launch]);
			assert.equal(before2, before.contacts, 'no contact was created by the refused calls');

			// Every Stripe event kind the pack reads, naming her by email, customer id or token, or only by her payment.
			const events = [
				stripe.checkoutCompleted('evt_wf_again', { email: EMAIL, customer: 'cus_new', order: 'pi_new' }),
				stripe.asyncSucceeded('evt_wf_async', { email: EMAIL.toLowerCase(), customer: 'cus_other', order: 'pi_async' }),
				stripe.paymentIntentCreated('evt_wf_intent', { customer: 'cus_wfm', order: 'pi_intent' }),
				stripe.chargeRefunded('evt_wf_refund', { email: EMAIL, customer: 'cus_wfm', order: 'pi_wfm' }),
				withToken(stripe.chargeRefunded('evt_wf_refund_token', { email: 'card-holder@example.com', customer: 'cus_x', order: 'pi_tok' }), token.token),
				stripe.dispute('evt_wf_dispute_open', 'charge.dispute.created', 'needs_response', { order: 'pi_wfm' }),
				stripe.dispute('evt_wf_dispute_won', 'charge.dispute.closed', 'won', { order: 'pi_wfm' }),
				stripe.dispute('evt_wf_dispute_lost', 'charge.dispute.closed', 'lost', { order: 'pi_wfm' }),
				{ id: 'evt_wf_sub', object: 'event', created: 1_800_000_300, type: 'customer.subscription.deleted', data: { object: { id: 'sub_wfm', object: 'subscription', customer: 'cus_wfm', metadata: {} } } },
			];
			const runs: string[] = [];
			const ran: string[] = [];
			for (const payload of events) {
				const received = await deliver(payload);
				assert.equal(received.httpStatus, 200, `${(payload as { id: string }).id}: ${JSON.stringify(received.next)}`);
				if (received.next.step === 'run') {
					runs.push(received.next.run.inboxId);
					ran.push(received.next.run.event.eventId);
				}
				else assert.equal(received.next.step === 'answer' && received.next.answer.body.reason, 'forgotten_person');
			}
			// None starts a run, the disputes included (they name only her payment): so n8n never holds one of them.
			assert.deepEqual(ran, []);
			assert.deepEqual(runs, []);
			// An event for her payment that reaches Purchase Match some other way (the creator's own event) is set aside there.
			const ownDispute = await t.ledger.purchases.applyEvent(launch, { provider: 'stripe', eventId: 'own-dispute', type: 'dispute_lost', orderId: 'pi_wfm', productId: 'course' });
			assert.deepEqual([ownDispute.decision, ownDispute.reason, ownDispute.contactId], ['review', 'forgotten_person', null]);
			// The same refund again is a duplicate; a rejected (forged) and an unreadable delivery keep no body either.
			assert.equal((await deliver(stripe.chargeRefunded('evt_wf_refund', { email: EMAIL }))).duplicate, true);
			const forged = JSON.stringify(stripe.chargeRefunded('evt_wf_forged', { email: EMAIL }));
			const rejected = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: forged, headers: { 'Stripe-Signature': 't=1,v1=00' } });
			assert.equal(rejected.httpStatus, 401);
			const unreadable = JSON.stringify({ object: 'event', type: 'charge.refunded', note: `paid by ${encodeURIComponent(EMAIL)}` });
			assert.equal((await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: unreadable, headers: stripeSign(unreadable, SECRET).headers })).httpStatus, 400);
			// The creator's own checkout event through Purchase Match, and a replay of whatever is unprocessed.
			const own = await t.ledger.purchases.applyEvent(launch, { provider: 'generic', eventId: 'own-1', type: 'captured', orderId: 'own-order', productId: 'course', email: EMAIL, amount: 5900, currency: 'USD' });
			assert.deepEqual([own.decision, own.reason], ['review', 'forgotten_person']);
			assert.deepEqual(await t.ledger.purchases.replayUnprocessed({ launch, olderThanMs: 0 }), []);

			// A reconcile sweep whose ESP and delivery host still list her: reported without her email.
			const sweep = await t.ledger.reconcile.sweep({ launch, esp: [{ id: 'kit-77', email: EMAIL, tags: [] }], delivery: [{ email: EMAIL, productId: 'course' }] });
			const findings = await t.ledger.reconcile.findings(sweep.runId);
			assert.deepEqual(findings.map((f) => [f.kind, f.system]).sort(), [['forgotten_person', 'delivery'], ['forgotten_person', 'esp']]);

			// Nothing of her anywhere.
			const dump = await dumpAllTables(store);
			for (const [table, text] of Object.entries(dump)) {
				for (const needle of NEEDLES) assert.ok(!text.includes(needle), `table ${table} contains "${needle}"`);
			}
			assert.equal(await count(store, 'SELECT COUNT(*) AS n FROM contacts WHERE launch = $1', [launch]), before.contacts, 'no contact created');
			assert.equal(await count(store, 'SELECT COUNT(*) AS n FROM outbox WHERE launch = $1', [launch]), before.outbox, 'nothing entered the outbox');
			assert.equal(JSON.stringify(await store.query('SELECT * FROM access WHERE launch = $1 ORDER BY contact_id, product_id', [launch])), before.access, 'access did not move');
			assert.equal(await count(store, "SELECT COUNT(*) AS n FROM purchase_inbox WHERE launch = $1 AND status = 'received'", [launch]), 0, 'nothing is left to process');

			// The review desk: one item per set-aside delivery, in words that say whose it is.
			const items = (await t.ledger.review.list(launch, { status: 'open' })).filter((i) => i.reason === 'forgotten_person');
			assert.equal(items.length, events.length + 2, 'every Stripe event and the two own events are on the desk');
			assert.ok(items.every((i) => i.contactId === null && !JSON.stringify(i.payload).includes('@')));
			assert.match(describeDecision({ decision: 'review', reason: 'forgotten_person', accessState: null }), /belongs to a forgotten person/);
		});
	});
}
