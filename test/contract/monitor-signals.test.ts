import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CAPTURE_POLICY, type CapturePolicy, type PurchaseEvent, type PurchaseEventType, type ValidSignup } from '../../ledger';
import { inList, type SqlValue } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Each launch signal computed from a history built through the ledger's API, against values worked
 * out by hand in the comments. Times are set through the API where it takes them (a purchase's
 * capture time, a delivery's arrival, the evaluation's `now`); a contact's creation time is the
 * ledger's own clock and no API sets it, so the contacts that must lie before the window are moved
 * back with one UPDATE (`backdate`).
 */

const policy: CapturePolicy = { ...DEFAULT_CAPTURE_POLICY, secret: 's', minSubmitMs: 0 };
const SECRET = 'whsec_monitor';

const signup = (email: string, attribution: ValidSignup['attribution'] = {}): ValidSignup => ({ email, fields: {}, attribution, consentGiven: true });

function purchase(o: { id: string; type: PurchaseEventType; order: string; at: number; email?: string; customerId?: string; token?: string; fullRefund?: boolean }): PurchaseEvent {
	return {
		provider: 'stripe',
		eventId: o.id,
		type: o.type,
		providerType: `test.${o.type}`,
		orderId: o.order,
		productId: 'course',
		amount: 5900,
		currency: 'USD',
		email: o.email ?? null,
		customerId: o.customerId ?? null,
		checkoutToken: o.token ?? null,
		fullRefund: o.fullRefund,
		occurredAt: o.at,
	};
}

/** contacts.created_at is the ledger's clock when the contact was made; no API sets it, so "signed up an hour ago" is written here. */
async function backdate(t: TestLedger, contactIds: string[], at: number): Promise<void> {
	const params: SqlValue[] = [at];
	await t.ledger.store.execute(`UPDATE contacts SET created_at = $1 WHERE id IN (${inList(contactIds, params)})`, params);
}

function stripeDelivery(eventId: string, at: number, secret = SECRET): { rawBody: string; headers: Record<string, string> } {
	const rawBody = JSON.stringify(stripe.checkoutCompleted(eventId, { order: `pi_${eventId}` }));
	const t = Math.floor(at / 1000);
	return { rawBody, headers: { 'content-type': 'application/json', 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex')}` } };
}

for (const driver of DRIVERS) {
	describe(`[${driver}] launch monitor: signals from constructed histories`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('ingestion, UTM fidelity, reconciliation, paid-without-access and vendor sync match the hand-computed values (merges, repeats, refunds, chargebacks, partial payments)', async () => {
			const launch = 'signals';
			const capture = (s: ValidSignup) => t.ledger.capture.capture({ launch, signup: s, policy, source: 'capture' });
			const upsert = (email: string, attribution?: Record<string, string>, isTest = false) => t.ledger.contacts.upsert({ launch, email, attribution, isTest });
			const t0 = Date.now();
			const from = t0 - 1;
			const hourAgo = t0 - 3_600_000;

			// Before the window: Pat (captured) and Olga.
			const pat = await capture(signup('pat@example.com', { utm_source: 'old' }));
			const olga = await upsert('olga@example.com');
			await backdate(t, [pat.contactId, olga.contactId], hourAgo);

			// In the window.
			const patAgain = await capture(signup('pat@example.com')); // repeat 1
			const ada = await capture(signup('ada@example.com', { utm_source: 'instagram', utm_medium: 'paid_social', utm_campaign: 'launch' })); // new, source, complete
			const ben = await capture(signup('ben@example.com', { utm_source: 'newsletter' })); // new, source only
			await capture(signup('cy@example.com')); // new, no UTM
			const adaAgain = await capture(signup('ada@example.com', { utm_source: 'instagram', utm_medium: 'paid_social', utm_campaign: 'launch' })); // repeat 2
			await upsert('dee@example.com', { utm_medium: 'cpc' }); // new, paid medium without source
			const eve1 = await upsert('eve1@example.com');
			const eve2 = await upsert('eve2@example.com', { utm_source: 'podcast', utm_medium: 'audio', utm_campaign: 'ep1' });
			await t.ledger.contacts.merge({ launch, sourceContactId: eve2.contactId, targetContactId: eve1.contactId }); // one new person, with eve2's touch
			const fay = await upsert('fay@example.com');
			await t.ledger.contacts.merge({ launch, sourceContactId: fay.contactId, targetContactId: pat.contactId }); // Pat's again: not new
			const gus = await upsert('gus@example.com');
			await t.ledger.contacts.merge({ launch, sourceContactId: olga.contactId, targetContactId: gus.contactId }); // absorbed older Olga: not new
			await upsert('tess@example.com', { utm_source: 'x' }, true); // a dry-run contact: never counted
			assert.deepEqual([patAgain.created, adaAgain.created], [false, false]);

			await t.ledger.capture.recordRejection({ launch, status: 400, reason: 'honeypot', errors: [] });
			await t.ledger.capture.recordRejection({ launch, status: 400, reason: 'honeypot', errors: [] });
			await t.ledger.capture.recordRejection({ launch, status: 422, reason: 'paid_without_source', errors: [{ field: 'utm_source', reason: 'is required' }] });

			// Vendor sync: Ada fully synced, Ben's ESP done and CRM failing, Cy not yet.
			const claim = (ids: string[]) => t.ledger.outbox.claim({ launch, ids, limit: 10, leaseMs: 60_000, workerId: 'test' });
			const ack = async (ids: string[]) => t.ledger.outbox.ack(launch, (await claim(ids)).map((e) => ({ id: e.id, claimToken: e.claimToken })));
			const syncId = (r: { pendingSync: Array<{ id: string; kind: string }> }, kind: string) => r.pendingSync.find((p) => p.kind === kind)!.id;
			await ack([syncId(ada, 'esp_sync'), syncId(ada, 'crm_sync'), syncId(ben, 'esp_sync')]);
			const [benCrm] = await claim([syncId(ben, 'crm_sync')]);
			await t.ledger.outbox.fail(launch, [{ id: benCrm!.id, claimToken: benCrm!.claimToken, error: 'HubSpot 500: server error' }]);

			// Purchases, all captured in the window unless said otherwise.
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const token = await t.ledger.purchases.createCheckoutToken({ launch, contactId: ada.contactId });
			await t.ledger.contacts.link({ launch, contactId: ben.contactId, kind: 'customer_id', value: 'stripe:cus_ben' });
			const apply = (e: PurchaseEvent) => t.ledger.purchases.apply(launch, e);
			const p1 = await apply(purchase({ id: 'e1', type: 'captured', order: 'o1', at: t0 + 1, token: token.token })); // token
			const p2 = await apply(purchase({ id: 'e2', type: 'captured', order: 'o2', at: t0 + 2, customerId: 'stripe:cus_ben' })); // customer id
			const p3 = await apply(purchase({ id: 'e3', type: 'captured', order: 'o3', at: t0 + 3, email: 'cy@example.com' })); // email
			const p4 = await apply(purchase({ id: 'e4', type: 'captured', order: 'o4', at: from, email: 'stranger@example.com' })); // nobody: Review
			const p5 = await apply(purchase({ id: 'e5', type: 'captured', order: 'o5', at: t0 + 5, email: 'eve2@example.com' })); // email, on the merged Eve
			const p6 = await apply(purchase({ id: 'e6', type: 'partial_payment', order: 'o6', at: t0 + 6, email: 'dee@example.com' })); // never captured
			const p7 = await apply(purchase({ id: 'e7', type: 'captured', order: 'o7', at: t0 + 7, email: 'dee@example.com' })); // email …
			await apply(purchase({ id: 'e7r', type: 'refunded', order: 'o7', at: t0 + 8, email: 'dee@example.com', fullRefund: true })); // … refunded in full
			const p8 = await apply(purchase({ id: 'e8', type: 'captured', order: 'o8', at: t0 + 9, email: 'gus@example.com' })); // email …
			await apply(purchase({ id: 'e8c', type: 'dispute_lost', order: 'o8', at: t0 + 10 })); // … charged back
			const p9 = await apply(purchase({ id: 'e9', type: 'captured', order: 'o9', at: hourAgo, email: 'pat@example.com' })); // captured before the window
			assert.deepEqual(
				[p1, p2, p3, p4, p5, p6, p7, p8, p9].map((d) => d.matchedBy),
				['token', 'customer_id', 'email', null, 'email', 'email', 'email', 'email', 'email'],
			);
			assert.equal(p4.decision, 'review');
			assert.equal(p5.contactId, eve1.contactId);
			// Ada's and Ben's grants reached the platform; Cy's, Eve's and Pat's wait; Dee's and Gus's were revoked before delivery.
			await ack([p1.outboxId!, p2.outboxId!]);
			const waitingGrants = await Promise.all([p3, p5, p9].map((d) => t.ledger.outbox.get(d.outboxId!)));

			const now = Date.now() + 1;
			const s = await t.ledger.monitor.signals({ launch, from, to: now, now });

			// New people: Ada, Ben, Cy, Dee, Eve (Eve1 + Eve2 merged) = 5. Not new: Pat (repeat, and Fay merged into him),
			// Gus (absorbed Olga, who signed up before), Tess (test). Repeats: Pat, Ada = 2.
			assert.deepEqual(s.ingestion, {
				accepted: 7,
				newPeople: 5,
				repeats: 2,
				perMinute: s.ingestion.perMinute,
				refused: 3,
				refusedByReason: { honeypot: 2, paid_without_source: 1 },
				refusedNotKept: 0,
			});
			const minutes = (now - from) / 60_000;
			assert.equal(s.ingestion.perMinute.newPeople, Math.round((5 / minutes) * 100) / 100);
			// UTM: source on Ada, Ben, Eve = 3/5 = 60 %; source+medium+campaign on Ada, Eve = 2/5 = 40 %; Dee paid without source.
			assert.deepEqual(s.utm, { newPeople: 5, withSource: 3, withSourceMediumCampaign: 2, paidWithoutSource: 1, refusedPaidWithoutSource: 1, sourcePercent: 60, completePercent: 40 });
			// Captured in the window: o1, o2, o3, o4, o5, o7 (refunded later), o8 (charged back) = 7; matched 6 = 85.7 %.
			assert.deepEqual(s.reconciliation, { captured: 7, matched: 6, unmatched: 1, byHow: { token: 1, customer_id: 1, email: 4, other: 0 }, percent: 85.7, reviewWaiting: 1 });
			// Without access now: Cy, Eve, Pat (grants waiting) + the stranger (matched to nobody), oldest the stranger's capture at `from`.
			assert.deepEqual(s.delivery.paidWithoutAccess, { count: 4, oldestAgeMs: now - from, undelivered: 3, unmatched: 1 });
			assert.ok(waitingGrants.every((g) => g!.status === 'pending' && g!.createdAt >= from));
			// Outbox: grants of Cy, Eve, Pat, Dee, Gus pending; revokes of Dee and Gus; Cy's and Pat's syncs (Pat's from his first
			// signup: backdating moved only his contact); Ben's CRM failing.
			const open = Object.fromEntries(Object.entries(s.delivery.outbox.byKind).map(([k, v]) => [k, [v.pending, v.failed, v.claimed]]));
			assert.deepEqual(open, { grant: [5, 0, 0], revoke: [2, 0, 0], esp_sync: [2, 0, 0], crm_sync: [2, 1, 0] });
			assert.equal(s.delivery.outbox.open, 12);
			assert.deepEqual([s.delivery.deadLetters.count, s.delivery.held.count, s.delivery.held.killSwitch.paused], [0, 0, false]);
			// Vendor sync of the window's new people with sync work (Ada, Ben, Cy): ESP 2/3, CRM 1/3.
			assert.deepEqual(s.vendorSync.esp, { contacts: 3, synced: 2, percent: 66.7 });
			assert.deepEqual(s.vendorSync.crm, { contacts: 3, synced: 1, percent: 33.3 });
			assert.deepEqual(Object.keys(s.vendorSync.failures), ['crm_sync']);
			assert.deepEqual([s.vendorSync.failures.crm_sync!.failing, s.vendorSync.failures.crm_sync!.dead, s.vendorSync.failures.crm_sync!.lastError], [1, 0, 'HubSpot 500: server error']);
			assert.deepEqual(s.review, { open: 1, byKind: { purchase: 1 } });
			assert.equal(s.liveSince, hourAgo, 'live since the first (non-test) signup: Pat, an hour ago');

			// The window an hour ago: Pat, and Olga — now one person with Gus, counted where that person's earliest contact
			// (Olga) signed up; Pat's purchase o9 was captured then.
			const earlier = await t.ledger.monitor.signals({ launch, from: hourAgo - 1, to: hourAgo + 1, now });
			assert.deepEqual([earlier.ingestion.newPeople, earlier.ingestion.repeats, earlier.reconciliation.captured], [2, 0, 1]);
		});

		it('delivery health: outbox by kind and age, dead letters with the last error, entries held by the kill switch, refused and unprocessed payment deliveries', async () => {
			const launch = 'delivery';
			const [k1, k2, k3, k4] = await t.ledger.outbox.enqueueMany([
				{ launch, kind: 'esp_sync', idempotencyKey: 'k1' },
				{ launch, kind: 'esp_sync', idempotencyKey: 'k2' },
				{ launch, kind: 'crm_sync', idempotencyKey: 'k3' },
				{ launch, kind: 'grant', idempotencyKey: 'k4' },
			]);
			const [c1] = await t.ledger.outbox.claim({ launch, ids: [k1!.id], limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.fail(launch, [{ id: c1!.id, claimToken: c1!.claimToken, error: 'Kit 429: slow down' }]);
			const [c2] = await t.ledger.outbox.claim({ launch, ids: [k2!.id], limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.fail(launch, [{ id: c2!.id, claimToken: c2!.claimToken, error: 'Kit 400: invalid email', permanent: true }]);
			await t.ledger.outbox.pause({ launch, scope: 'grants', by: 'maya', reason: 'checking the course platform' });

			const arrived = Date.now();
			for (const id of ['b1', 'b2', 'b3']) {
				const bad = stripeDelivery(id, arrived, 'whsec_wrong');
				assert.equal((await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...bad, now: arrived })).httpStatus, 401);
			}
			const stale = stripeDelivery('s1', arrived - 3_600_000);
			assert.equal((await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stale, now: arrived })).verification.ok, false);
			const twentyMinutesAgo = arrived - 20 * 60_000;
			await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeDelivery('late', twentyMinutesAgo), now: twentyMinutesAgo }); // never processed
			await t.ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeDelivery('fresh', arrived), now: arrived }); // just arrived

			const now = Date.now() + 60_000;
			const s = await t.ledger.monitor.signals({ launch, now, from: arrived - 60_000, to: now });
			const oldestOpen = Math.min((await t.ledger.outbox.get(k1!.id))!.createdAt, (await t.ledger.outbox.get(k3!.id))!.createdAt);
			assert.deepEqual(s.delivery.outbox, {
				open: 2,
				oldestAgeMs: now - oldestOpen,
				byKind: {
					esp_sync: { pending: 0, failed: 1, claimed: 0, oldestAgeMs: now - (await t.ledger.outbox.get(k1!.id))!.createdAt },
					crm_sync: { pending: 1, failed: 0, claimed: 0, oldestAgeMs: now - (await t.ledger.outbox.get(k3!.id))!.createdAt },
				},
			});
			assert.deepEqual(s.delivery.deadLetters, { count: 1, byKind: { esp_sync: 1 } });
			assert.equal(s.vendorSync.failures.esp_sync!.failing, 1);
			assert.equal(s.vendorSync.failures.esp_sync!.dead, 1);
			assert.equal(s.vendorSync.failures.esp_sync!.lastError, 'Kit 400: invalid email', 'the most recent error of the kind');
			assert.equal(s.delivery.held.count, 1);
			assert.deepEqual(s.delivery.held.byKind, { grant: 1 });
			assert.equal((await t.ledger.outbox.get(k4!.id))!.status, 'held');
			assert.deepEqual({ ...s.delivery.held.killSwitch, pausedAt: null }, { paused: true, scope: 'grants', pausedAt: null, pausedBy: 'maya', reason: 'checking the course platform' });
			assert.deepEqual(s.delivery.refusedDeliveries, { count: 4, byReason: { bad_signature: 3, stale_timestamp: 1 }, byProvider: { stripe: 4 }, notKept: 0 });
			assert.deepEqual(s.delivery.unprocessedDeliveries, { count: 1, oldestAgeMs: now - twentyMinutesAgo });
			assert.deepEqual(s.delivery.paidWithoutAccess, { count: 0, oldestAgeMs: null, undelivered: 0, unmatched: 0 }, 'a held grant is the kill switch\'s, not a delivery failure');
		});

		it('bad input names the field', async () => {
			await assert.rejects(t.ledger.monitor.signals({ launch: '' }), (e: Error & { field?: string }) => e.field === 'launch');
			await assert.rejects(t.ledger.monitor.signals({ launch: 'x', now: Number.NaN }), (e: Error & { field?: string }) => e.field === 'now');
			await assert.rejects(t.ledger.monitor.signals({ launch: 'x', windowMs: 10 }), (e: Error & { field?: string }) => e.field === 'windowMs');
			await assert.rejects(t.ledger.monitor.signals({ launch: 'x', from: 10, to: 5 }), (e: Error & { field?: string }) => e.field === 'to');
		});
	});
}
