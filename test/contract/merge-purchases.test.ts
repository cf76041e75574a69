import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { PurchaseEvent } from '../../ledger';
import { normalizePurchaseEvent, type SqlExecutor } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Merging two contacts moves the money with the person: purchases, access rows (and their pins),
 * checkout tokens, inbox entries and open outbox entries follow the merge; unmerge puts back what
 * nothing has touched since and sends the rest to review; forget of a merged record erases it all.
 */

const SECRET = 'whsec_merge';
const ev = (payload: object): PurchaseEvent => normalizePurchaseEvent('stripe', payload);
const paid = (id: string, who: string, order: string) => ev(stripe.checkoutCompleted(id, { email: `${who}@example.com`, customer: `cus_${who}`, order }));
const refunded = (id: string, who: string, order: string) => ev(stripe.chargeRefunded(id, { email: `${who}@example.com`, customer: `cus_${who}`, order }));

type OutboxRow = { kind: string; contact_id: string; status: string; payload: string };

async function outbox(db: SqlExecutor, launch: string): Promise<Array<{ kind: string; contactId: string; email: unknown }>> {
	const rows = await db.query<OutboxRow>('SELECT kind, contact_id, status, payload FROM outbox WHERE launch = $1 ORDER BY seq', [launch]);
	return rows.map((r) => ({ kind: r.kind, contactId: r.contact_id, email: (JSON.parse(r.payload) as { email?: unknown }).email }));
}

async function purchaseOwner(db: SqlExecutor, launch: string, order: string): Promise<string | null> {
	const [row] = await db.query<{ contact_id: string | null }>('SELECT contact_id FROM purchases WHERE launch = $1 AND order_id = $2', [launch, order]);
	return row?.contact_id ?? null;
}

async function accessRows(db: SqlExecutor, launch: string): Promise<Array<{ contactId: string; state: string; pin: string | null }>> {
	const rows = await db.query<{ contact_id: string; state: string; pin: string | null }>('SELECT contact_id, state, pin FROM access WHERE launch = $1 ORDER BY contact_id', [launch]);
	return rows.map((r) => ({ contactId: r.contact_id, state: r.state, pin: r.pin }));
}

for (const driver of DRIVERS) {
	describe(`[${driver}] merge and unmerge move purchases and access with the person`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		async function twoPeople(launch: string) {
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const ada = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const bob = await t.ledger.contacts.upsert({ launch, email: 'bob@example.com' });
			return { ada: ada.contactId, bob: bob.contactId };
		}

		it("a refund of the merged-away contact's purchase revokes the surviving contact's access once, at the email the grant went to", async () => {
			const launch = 'merge-refund';
			const { ada, bob } = await twoPeople(launch);
			assert.equal((await t.ledger.purchases.apply(launch, paid('evt_a1', 'ada', 'pi_a'))).decision, 'grant');
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });

			assert.equal(await purchaseOwner(t.ledger.store, launch, 'pi_a'), bob, 'the purchase belongs to the surviving contact');
			assert.deepEqual(await accessRows(t.ledger.store, launch), [{ contactId: bob, state: 'granted', pin: null }], 'one access row, on the surviving contact');
			assert.deepEqual(await outbox(t.ledger.store, launch), [{ kind: 'grant', contactId: bob, email: 'ada@example.com' }], 'the open grant follows the person');

			const refund = await t.ledger.purchases.apply(launch, refunded('evt_a2', 'ada', 'pi_a'));
			assert.deepEqual([refund.decision, refund.contactId, refund.accessState], ['revoke', bob, 'revoked']);
			const again = await t.ledger.purchases.apply(launch, refunded('evt_a3', 'ada', 'pi_a'));
			assert.equal(again.decision, 'no_change');
			assert.deepEqual(await outbox(t.ledger.store, launch), [
				{ kind: 'grant', contactId: bob, email: 'ada@example.com' },
				{ kind: 'revoke', contactId: bob, email: 'ada@example.com' },
			]);
		});

		it('a later capture by the surviving contact of a product the merged-away contact paid for grants nothing more', async () => {
			const launch = 'merge-recapture';
			const { ada, bob } = await twoPeople(launch);
			const token = await t.ledger.purchases.createCheckoutToken({ launch, contactId: ada });
			await t.ledger.purchases.apply(launch, paid('evt_b1', 'ada', 'pi_a'));
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });
			const second = await t.ledger.purchases.apply(launch, paid('evt_b2', 'bob', 'pi_b'));
			assert.deepEqual([second.decision, second.contactId, second.accessState], ['no_change', bob, 'granted']);
			// The merged-away contact's checkout token finds the surviving contact.
			const byToken = await t.ledger.purchases.apply(launch, ev(stripe.checkoutCompleted('evt_b3', { token: token.token, email: 'someone@example.com', customer: 'cus_x', order: 'pi_c' })));
			assert.deepEqual([byToken.decision, byToken.contactId, byToken.matchedBy], ['no_change', bob, 'token']);
			assert.deepEqual((await outbox(t.ledger.store, launch)).map((e) => e.kind), ['grant']);
		});

		it('two access rows for one product become one: the state with more access, both versions passed, an event, and a review item when both held access', async () => {
			const launch = 'merge-two-rows';
			const { ada, bob } = await twoPeople(launch);
			await t.ledger.purchases.apply(launch, paid('evt_c1', 'ada', 'pi_a'));
			await t.ledger.purchases.apply(launch, paid('evt_c2', 'bob', 'pi_b'));
			await t.ledger.purchases.apply(launch, refunded('evt_c3', 'bob', 'pi_b'));
			const bobBefore = await t.ledger.purchases.access({ launch, contactId: bob, productId: 'course' });
			assert.equal(bobBefore?.state, 'revoked');
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });
			const merged = await t.ledger.purchases.access({ launch, contactId: bob, productId: 'course' });
			assert.equal(merged?.state, 'granted', "the merged-away contact's paid purchase keeps the access");
			assert.ok(merged!.version >= bobBefore!.version, 'versions never go back, so outbox keys are never reused');
			assert.deepEqual((await accessRows(t.ledger.store, launch)).map((r) => r.contactId), [bob]);
			const [event] = await t.ledger.contacts.history(bob, { types: ['access.merged'] });
			assert.deepEqual(
				[event?.data.productId, event?.data.kept, (event?.data.source as { state: string }).state, (event?.data.target as { state: string }).state],
				['course', 'granted', 'granted', 'revoked'],
			);
			assert.equal((await t.ledger.review.list(launch, { status: 'open' })).length, 0, 'only one of them held access: nothing to review');
			assert.deepEqual((await outbox(t.ledger.store, launch)).map((e) => e.kind), ['grant', 'grant', 'revoke'], 'the merge itself sends nothing');

			// Both held access at the vendor: kept as one grant, and a person is asked about the extra one.
			const carol = (await t.ledger.contacts.upsert({ launch, email: 'carol@example.com' })).contactId;
			const dave = (await t.ledger.contacts.upsert({ launch, email: 'dave@example.com' })).contactId;
			await t.ledger.purchases.apply(launch, paid('evt_c4', 'carol', 'pi_carol'));
			await t.ledger.purchases.apply(launch, paid('evt_c5', 'dave', 'pi_dave'));
			await t.ledger.contacts.merge({ launch, sourceContactId: carol, targetContactId: dave });
			const reviews = await t.ledger.review.list(launch, { status: 'open' });
			assert.deepEqual(reviews.map((r) => [r.kind, r.reason, r.contactId, r.otherContactId]), [['access', 'merged_duplicate_access', dave, carol]]);
			// One purchase refunded: the other is still paid, so access stays; never a second grant.
			assert.equal((await t.ledger.purchases.apply(launch, refunded('evt_c6', 'carol', 'pi_carol'))).decision, 'no_change');
			assert.equal((await t.ledger.purchases.apply(launch, paid('evt_c7', 'dave', 'pi_dave2'))).decision, 'no_change');
			assert.equal((await outbox(t.ledger.store, launch)).filter((e) => e.contactId === dave && e.kind === 'grant').length, 2);
		});

		it("a person's pin moves with the merged-away contact; different pins keep the target's and go to review", async () => {
			const launch = 'merge-pins';
			const { ada, bob } = await twoPeople(launch);
			await t.ledger.purchases.pin({ launch, contactId: ada, productId: 'course', pin: 'grant', reason: 'comp for a speaker', by: 'ops' });
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });
			const access = await t.ledger.purchases.access({ launch, contactId: bob, productId: 'course' });
			assert.deepEqual([access?.state, access?.pin, access?.pinReason], ['granted', 'grant', 'comp for a speaker']);
			assert.deepEqual((await outbox(t.ledger.store, launch)).map((e) => e.kind), ['grant']);

			const carol = (await t.ledger.contacts.upsert({ launch, email: 'carol@example.com' })).contactId;
			const dave = (await t.ledger.contacts.upsert({ launch, email: 'dave@example.com' })).contactId;
			await t.ledger.purchases.pin({ launch, contactId: carol, productId: 'course', pin: 'grant', reason: 'comp', by: 'ops' });
			await t.ledger.purchases.pin({ launch, contactId: dave, productId: 'course', pin: 'revoke', reason: 'fraud', by: 'ops' });
			await t.ledger.contacts.merge({ launch, sourceContactId: carol, targetContactId: dave });
			const kept = await t.ledger.purchases.access({ launch, contactId: dave, productId: 'course' });
			assert.deepEqual([kept?.pin, kept?.pinReason], ['revoke', 'fraud']);
			// Carol held access (pinned grant), Dave's revoke pin wins: access goes, once.
			assert.equal(kept?.state, 'revoked');
			assert.deepEqual((await outbox(t.ledger.store, launch)).filter((e) => e.contactId === dave).map((e) => e.kind), ['grant', 'revoke']);
			const reviews = await t.ledger.review.list(launch, { status: 'open' });
			assert.deepEqual(reviews.map((r) => r.reason), ['merged_conflicting_pins']);
		});

		it('unmerge puts purchases, access, tokens and open outbox entries back when nothing touched them since', async () => {
			const launch = 'unmerge-clean';
			const { ada, bob } = await twoPeople(launch);
			const token = await t.ledger.purchases.createCheckoutToken({ launch, contactId: ada });
			await t.ledger.purchases.apply(launch, paid('evt_d1', 'ada', 'pi_a'));
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });
			const result = await t.ledger.contacts.unmerge({ launch, contactId: ada });
			assert.deepEqual(result.reviewIds, []);
			assert.equal(await purchaseOwner(t.ledger.store, launch, 'pi_a'), ada);
			const rows = await accessRows(t.ledger.store, launch);
			assert.deepEqual(rows.find((r) => r.contactId === ada), { contactId: ada, state: 'granted', pin: null });
			assert.notEqual(rows.find((r) => r.contactId === bob)?.state ?? 'none', 'granted');
			assert.deepEqual(await outbox(t.ledger.store, launch), [{ kind: 'grant', contactId: ada, email: 'ada@example.com' }], 'nothing new sent by merge or unmerge');
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'purchase_token', value: token.token }))?.id, ada);

			const refund = await t.ledger.purchases.apply(launch, refunded('evt_d2', 'ada', 'pi_a'));
			assert.deepEqual([refund.decision, refund.contactId], ['revoke', ada]);
			assert.deepEqual((await outbox(t.ledger.store, launch)).map((e) => [e.kind, e.contactId]), [
				['grant', ada],
				['revoke', ada],
			]);
		});

		it('unmerge sends access that changed while merged to review and leaves it on the surviving contact', async () => {
			const launch = 'unmerge-changed';
			const { ada, bob } = await twoPeople(launch);
			await t.ledger.purchases.apply(launch, paid('evt_e1', 'ada', 'pi_a'));
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });
			await t.ledger.purchases.apply(launch, refunded('evt_e2', 'ada', 'pi_a'));
			const result = await t.ledger.contacts.unmerge({ launch, contactId: ada });
			assert.equal(result.reviewIds.length, 1);
			const item = await t.ledger.review.get(result.reviewIds[0]!);
			assert.deepEqual([item?.kind, item?.reason, item?.status, item?.contactId, item?.otherContactId], ['access', 'unmerge_access_changed', 'open', bob, ada]);
			assert.equal(await purchaseOwner(t.ledger.store, launch, 'pi_a'), bob, 'kept with the access it decides');
			assert.deepEqual(await accessRows(t.ledger.store, launch), [{ contactId: bob, state: 'revoked', pin: null }]);
			assert.equal((await t.ledger.contacts.get(ada))?.status, 'active', 'the contact itself is unmerged');
			assert.deepEqual((await outbox(t.ledger.store, launch)).map((e) => e.kind), ['grant', 'revoke']);

			// A pin a person set while merged changes no state, but unmerge must not drop it silently.
			const carol = (await t.ledger.contacts.upsert({ launch, email: 'carol@example.com' })).contactId;
			const dave = (await t.ledger.contacts.upsert({ launch, email: 'dave@example.com' })).contactId;
			await t.ledger.purchases.apply(launch, paid('evt_e3', 'carol', 'pi_carol'));
			await t.ledger.contacts.merge({ launch, sourceContactId: carol, targetContactId: dave });
			await t.ledger.purchases.pin({ launch, contactId: dave, productId: 'course', pin: 'grant', reason: 'keep access', by: 'ops' });
			const pinned = await t.ledger.contacts.unmerge({ launch, contactId: carol });
			assert.equal(pinned.reviewIds.length, 1);
			assert.deepEqual((await t.ledger.purchases.access({ launch, contactId: dave, productId: 'course' }))?.pin, 'grant');
		});

		it('forget of the merged-away contact erases both records, their purchases, inbox bodies and outbox payloads', async () => {
			const launch = 'merge-forget';
			const { ada, bob } = await twoPeople(launch);
			const body = JSON.stringify(stripe.checkoutCompleted('evt_f1', { email: 'ada@example.com', customer: 'cus_ada', order: 'pi_a' }));
			const ts = Math.floor(Date.now() / 1000);
			const headers = { 'Stripe-Signature': `t=${ts},v1=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}` };
			const received = await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody: body, headers });
			assert.equal((await t.ledger.purchases.process(received.id)).decision, 'grant');
			await t.ledger.contacts.merge({ launch, sourceContactId: ada, targetContactId: bob });
			await t.ledger.purchases.apply(launch, paid('evt_f2', 'bob', 'pi_b'));
			const forgotten = await t.ledger.contacts.forget({ launch, contactId: ada });
			assert.deepEqual([...forgotten.contactIds].sort(), [ada, bob].sort());
			for (const table of ['contacts', 'identifiers', 'purchases', 'purchase_inbox', 'outbox', 'events', 'review_items']) {
				const text = JSON.stringify(await t.ledger.store.query(`SELECT * FROM ${table} WHERE launch = $1`, [launch])).toLowerCase();
				for (const needle of ['ada@example', 'bob@example', 'cus_ada', 'cus_bob']) assert.ok(!text.includes(needle), `${table} still contains ${needle}`);
			}
		});
	});
}

for (const driver of DRIVERS) {
	describe(`[${driver}] merge racing a first purchase`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('a capture matched to a contact that is being merged lands on the surviving contact: one access row, one grant per person', async () => {
			const launch = 'merge-race';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const pairs = await Promise.all(
				Array.from({ length: 12 }, async (_, i) => {
					const source = (await t.ledger.contacts.upsert({ launch, email: `dup${i}@example.com` })).contactId;
					const target = (await t.ledger.contacts.upsert({ launch, email: `keep${i}@example.com` })).contactId;
					return { i, source, target };
				}),
			);
			await Promise.all(
				pairs.flatMap(({ i, source, target }) => [
					t.ledger.contacts.merge({ launch, sourceContactId: source, targetContactId: target }),
					t.ledger.purchases.apply(launch, paid(`evt_r${i}`, `dup${i}`, `pi_r${i}`)),
				]),
			);
			const purchases = await t.ledger.store.query<{ contact_id: string; status: string }>(
				`SELECT p.contact_id, c.status FROM purchases p JOIN contacts c ON c.id = p.contact_id WHERE p.launch = $1`,
				[launch],
			);
			assert.equal(purchases.length, pairs.length);
			assert.deepEqual([...new Set(purchases.map((p) => p.status))], ['active'], 'no purchase is left on a merged-away contact');
			const rows = await accessRows(t.ledger.store, launch);
			assert.deepEqual(rows.map((r) => r.contactId).sort(), pairs.map((p) => p.target).sort());
			assert.ok(rows.every((r) => r.state === 'granted'));
			const grants = (await outbox(t.ledger.store, launch)).filter((e) => e.kind === 'grant');
			assert.deepEqual(grants.map((g) => g.contactId).sort(), pairs.map((p) => p.target).sort(), 'one grant per person, on the surviving contact');
		});
	});
}
