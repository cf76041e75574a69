import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson, type WorkflowRunResult } from '../support/n8n-in-process';
import { lemonSqueezy, stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

const START = 'Start';
const NODE = 'Purchase Match';
const OUT = { grant: 0, revoke: 1, noChange: 2, review: 3 } as const;
const AFTER = ['After Grant', 'After Revoke', 'After No Change', 'After Review'];
const SECRET = 'whsec_node_test';

type OnError = 'continueRegularOutput' | 'continueErrorOutput';

/** Manual Trigger → Purchase Match → a No Op on each of its outputs, as the editor would save it. */
function matchWorkflow(parameters: IDataObject, onError?: OnError): WorkflowJson {
	return {
		name: 'Purchase Match test',
		nodes: [
			{ id: 'p1', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: 'p2', name: NODE, type: 'n8n-nodes-waitlist-ledger.purchaseMatch', typeVersion: 1, position: [220, 0], parameters, ...(onError ? { onError } : {}) },
			...AFTER.map((name, i) => ({ id: `p${3 + i}`, name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [440, i * 100] as [number, number], parameters: {} })),
		],
		connections: {
			[START]: { main: [[{ node: NODE, type: 'main', index: 0 }]] },
			[NODE]: { main: AFTER.map((name) => [{ node: name, type: 'main', index: 0 }]) },
		},
	} as WorkflowJson;
}

const items = (...jsons: IDataObject[]): INodeExecutionData[] => jsons.map((json) => ({ json }));

/** A Stripe delivery signed the way Stripe signs it. */
function stripeSigned(payload: object): { rawBody: string; headers: Record<string, string> } {
	const rawBody = JSON.stringify(payload);
	const t = Math.floor(Date.now() / 1000);
	return { rawBody, headers: { 'content-type': 'application/json', 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${rawBody}`).digest('hex')}` } };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

for (const driver of DRIVERS) {
	describe(`[${driver}] Purchase Match node in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		const launch = 'course-launch';

		const run = (parameters: IDataObject, input: INodeExecutionData[] = items({}), onError?: OnError): Promise<WorkflowRunResult> =>
			runWorkflow(matchWorkflow({ launch, ...parameters }, onError), { trigger: { node: START, items: input }, credentials: ledgerCredentialFor(db.config) });

		function ok(result: WorkflowRunResult): void {
			assert.equal(result.error(NODE), undefined, `node failed: ${result.error(NODE)?.message}`);
		}

		/** Stores a signed Stripe delivery in the inbox (what the Purchase Webhook Trigger does) and matches it with the node. */
		async function deliver(payload: object, parameters: IDataObject = {}): Promise<WorkflowRunResult> {
			const received = await ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSigned(payload) });
			assert.equal(received.httpStatus, 200);
			const result = await run({ resource: 'purchase', operation: 'match', ...parameters }, items({ inboxId: received.id }));
			ok(result);
			return result;
		}

		/** The only item the node sent out, and the output it left on. */
		function single(result: WorkflowRunResult): { output: number; json: IDataObject } {
			const found = [0, 1, 2, 3].flatMap((output) => result.output(NODE, output).map((json) => ({ output, json })));
			assert.equal(found.length, 1, `expected one item, got ${JSON.stringify(found)}`);
			return found[0]!;
		}

		async function outboxKinds(contactId: string): Promise<string[]> {
			const rows = await ledger.store.query<{ kind: string }>('SELECT kind FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY seq', [launch, contactId]);
			return rows.map((r) => r.kind);
		}

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('defines the product with its price and the checkout\'s product ids', async () => {
			const result = await run({
				resource: 'product',
				operation: 'defineProduct',
				productId: 'course',
				productName: 'Spring Course',
				checkPrice: true,
				amount: 5900,
				currency: 'usd',
				aliases: { alias: [{ provider: 'stripe', ids: 'prod_course, prod_course_eu' }, { provider: 'lemonsqueezy', ids: '42' }] },
			});
			ok(result);
			assert.deepEqual(result.output(NODE)[0], {
				launch,
				productId: 'course',
				name: 'Spring Course',
				amount: 5900,
				currency: 'USD',
				aliases: { stripe: ['prod_course', 'prod_course_eu'], lemonsqueezy: ['42'] },
			});
		});

		it('creates a checkout token by email (adding the contact) or by contact id, with the fields each provider carries back', async () => {
			const byEmail = await run({ resource: 'checkout', operation: 'createToken', identifyBy: 'email', email: '={{ $json.email }}' }, items({ email: 'New.Buyer@example.com' }));
			ok(byEmail);
			const out = byEmail.output(NODE)[0]!;
			assert.match(String(out.token), /^wlt_[0-9a-f]{32}$/);
			assert.equal(out.contactCreated, true);
			assert.deepEqual(out.stripe, { client_reference_id: out.token, metadata: { wl_token: out.token } });
			assert.deepEqual(out.lemonSqueezy, { checkout_data: { custom: { wl_token: out.token } } });
			assert.deepEqual(out.paddle, { custom_data: { wl_token: out.token } });
			const contact = await ledger.contacts.find({ launch, kind: 'email', value: 'new.buyer@example.com' });
			assert.equal(contact?.id, out.contactId);
			assert.equal((await ledger.contacts.find({ launch, kind: 'purchase_token', value: String(out.token) }))?.id, out.contactId, 'stored as the contact\'s identifier');

			const byId = await run({ resource: 'checkout', operation: 'createToken', identifyBy: 'contactId', contactId: String(out.contactId) });
			ok(byId);
			assert.equal(byId.output(NODE)[0]!.contactId, out.contactId);
			// Issue 20 row 9: asking again while the token is open hands out the same one (not a new token per post).
			assert.deepEqual([byId.output(NODE)[0]!.token, byId.output(NODE)[0]!.reused], [out.token, true], 'the open token is handed out again');
			const otherProduct = await run({ resource: 'checkout', operation: 'createToken', identifyBy: 'contactId', contactId: String(out.contactId), productId: 'ebook' });
			ok(otherProduct);
			assert.notEqual(otherProduct.output(NODE)[0]!.token, out.token, 'another product is another checkout');
		});

		it('a checkout token for a contact id that was merged since belongs to the contact it was merged into', async () => {
			const merged = await ledger.contacts.upsert({ launch, email: 'old.address@example.com' });
			const survivor = await ledger.contacts.upsert({ launch, email: 'new.address@example.com' });
			await ledger.contacts.merge({ launch, sourceContactId: merged.contactId, targetContactId: survivor.contactId });
			const token = await run({ resource: 'checkout', operation: 'createToken', identifyBy: 'contactId', contactId: merged.contactId });
			ok(token);
			assert.equal(token.output(NODE)[0]!.contactId, survivor.contactId);
			assert.equal((await ledger.contacts.find({ launch, kind: 'purchase_token', value: String(token.output(NODE)[0]!.token) }))?.id, survivor.contactId);
		});

		it('matches by token: a different email paid with is linked to the contact and recorded; the delivery again changes nothing', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'waitlist@example.com' });
			const token = await run({ resource: 'checkout', operation: 'createToken', identifyBy: 'contactId', contactId });
			const payload = stripe.checkoutCompleted('evt_tok', { token: String(token.output(NODE)[0]!.token), email: 'Paid.With@Example.com', customer: 'cus_tok', order: 'pi_tok' });
			const received = await ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, ...stripeSigned(payload) });
			const first = await run({ resource: 'purchase', operation: 'match' }, items({ inboxId: received.id }));
			ok(first);
			const grant = single(first);
			assert.equal(grant.output, OUT.grant);
			assert.deepEqual([grant.json.decision, grant.json.matchedBy, grant.json.contactId, grant.json.productId, grant.json.accessState], ['grant', 'token', contactId, 'course', 'granted']);
			assert.deepEqual((grant.json.linked as string[]).sort(), ['customer_id:stripe:cus_tok', 'email:Paid.With@Example.com']);
			assert.equal(first.output(AFTER[OUT.grant]!).length, 1, 'the run went on from the Grant output');
			assert.equal((await ledger.contacts.find({ launch, kind: 'email', value: 'paid.with@example.com' }))?.id, contactId);
			const linked = await ledger.contacts.history(contactId, { types: ['identifier.linked'] });
			assert.ok(linked.some((e) => e.data.value === 'Paid.With@Example.com'), 'the link is in the contact\'s history');
			const entry = await ledger.outbox.get(String(grant.json.outboxId));
			assert.deepEqual([entry?.kind, entry?.contactId, (entry?.payload as IDataObject).productId], ['grant', contactId, 'course']);

			// The same delivery matched again (a retried execution): nothing new.
			const again = single(await run({ resource: 'purchase', operation: 'match' }, items({ inboxId: received.id })));
			assert.deepEqual([again.output, again.json.duplicate, again.json.reason], [OUT.noChange, true, 'already_processed']);
			assert.deepEqual(await outboxKinds(contactId), ['grant']);
		});

		it('matches by provider customer id, then by the same email, through a normalized event too', async () => {
			const known = await ledger.contacts.upsert({ launch, email: 'cust@example.com', customerId: 'stripe:cus_known' });
			const byCustomer = single(await deliver(stripe.checkoutCompleted('evt_cus', { email: 'someone-else@example.com', customer: 'cus_known', order: 'pi_cus' })));
			assert.deepEqual([byCustomer.output, byCustomer.json.matchedBy, byCustomer.json.contactId], [OUT.grant, 'customer_id', known.contactId]);

			const sameEmail = await ledger.contacts.upsert({ launch, email: 'same@example.com' });
			const event = normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_same', { email: 'SAME@example.com', customer: 'cus_same', order: 'pi_same', product: 'prod_course' }));
			const result = await run({ resource: 'purchase', operation: 'match', purchaseInput: 'event', event: '={{ $json.event }}' }, items({ event: event as unknown as IDataObject }));
			ok(result);
			const byEmail = single(result);
			assert.deepEqual([byEmail.output, byEmail.json.matchedBy, byEmail.json.contactId, byEmail.json.productId], [OUT.grant, 'email', sameEmail.contactId, 'course']);
		});

		it('no match → Review, with the purchase kept and a review item to act on', async () => {
			const result = await deliver(stripe.checkoutCompleted('evt_none', { email: 'stranger@example.com', customer: 'cus_stranger', order: 'pi_none' }));
			const review = single(result);
			assert.deepEqual([review.output, review.json.decision, review.json.reason, review.json.contactId], [OUT.review, 'review', 'no_contact_match', null]);
			assert.match(String(review.json.message), /Link Identifier/);
			const item = await ledger.review.get(String(review.json.reviewId));
			assert.deepEqual([item?.kind, item?.status, item?.payload.email], ['purchase', 'open', 'stranger@example.com']);

			// A person links the email to the right contact, then replays: one grant.
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'friend@example.com' });
			await ledger.contacts.link({ launch, contactId, kind: 'email', value: 'stranger@example.com' });
			const replayed = single(await run({ resource: 'purchase', operation: 'replay', inboxId: String(review.json.inboxId) }));
			assert.deepEqual([replayed.output, replayed.json.contactId], [OUT.grant, contactId]);
		});

		it('an amount or currency that does not fit the product, or an unknown product → Review, never a grant', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'odd@example.com' });
			const cheap = single(await deliver(stripe.checkoutCompleted('evt_cheap', { email: 'odd@example.com', amount: 100, order: 'pi_cheap' })));
			assert.deepEqual([cheap.output, cheap.json.reason, cheap.json.contactId], [OUT.review, 'amount_mismatch', contactId]);
			const euros = single(await deliver(stripe.checkoutCompleted('evt_eur', { email: 'odd@example.com', currency: 'eur', order: 'pi_eur' })));
			assert.deepEqual([euros.output, euros.json.reason], [OUT.review, 'currency_mismatch']);
			const unknown = single(await deliver(stripe.checkoutCompleted('evt_unknown', { email: 'odd@example.com', product: 'prod_nobody_sells', order: 'pi_unknown' })));
			assert.deepEqual([unknown.output, unknown.json.reason], [OUT.review, 'unknown_product']);
			assert.match(String(unknown.json.message), /Product → Define/);
			assert.deepEqual(await outboxKinds(contactId), []);
		});

		it('captured twice (completed + async succeeded, other event ids) grants once; a refund revokes after the window, through Apply Due Revocations', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'refund@example.com' });
			const o = { email: 'refund@example.com', customer: 'cus_refund', order: 'pi_refund' };
			const first = single(await deliver(stripe.checkoutCompleted('evt_r1', o)));
			const second = single(await deliver(stripe.asyncSucceeded('evt_r2', o)));
			assert.deepEqual([first.output, second.output, second.json.accessState], [OUT.grant, OUT.noChange, 'granted']);

			const refund = single(await deliver(stripe.chargeRefunded('evt_r3', { order: 'pi_refund' }), { refundWindowSeconds: 2 }));
			assert.deepEqual([refund.output, refund.json.reason, refund.json.accessState], [OUT.noChange, 'refunded', 'revoke_pending']);
			assert.ok(Date.parse(String(refund.json.revokeAfter)) > Date.now(), 'access stays until the window is over');

			const revoked = await waitFor('the refund window to pass', async () => {
				const due = await run({ resource: 'purchase', operation: 'dueRevocations' });
				ok(due);
				const out = due.output(NODE, OUT.revoke);
				return out.length > 0 ? out : undefined;
			});
			assert.deepEqual(revoked.map((d) => [d.contactId, d.decision, d.reason, d.accessState]), [[contactId, 'revoke', 'refund_window_over', 'revoked']]);
			const later = await run({ resource: 'purchase', operation: 'dueRevocations' });
			assert.deepEqual([0, 1, 2, 3].map((i) => later.output(NODE, i).length), [0, 0, 0, 0], 'revoked once');
			assert.deepEqual(await outboxKinds(contactId), ['grant', 'revoke']);
			const access = await run({ resource: 'access', operation: 'getAccess', contactId, productId: 'course' });
			assert.deepEqual([access.output(NODE)[0]!.state, access.output(NODE)[0]!.hasAccess], ['revoked', false]);
		});

		it('a chargeback revokes at once (Revoke output); the dispute won restores access (Grant output)', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'dispute@example.com' });
			const o = { email: 'dispute@example.com', customer: 'cus_dispute', order: 'pi_dispute' };
			assert.equal(single(await deliver(stripe.checkoutCompleted('evt_d1', o))).output, OUT.grant);
			const opened = single(await deliver(stripe.dispute('evt_d2', 'charge.dispute.created', 'needs_response', o), { refundWindowSeconds: 3600 }));
			assert.deepEqual([opened.output, opened.json.reason, opened.json.accessState], [OUT.revoke, 'dispute_opened', 'revoked'], 'no refund window for a chargeback');
			const won = single(await deliver(stripe.dispute('evt_d3', 'charge.dispute.closed', 'won', o)));
			assert.deepEqual([won.output, won.json.reason, won.json.accessState], [OUT.grant, 'dispute_won', 'granted']);
			assert.deepEqual(await outboxKinds(contactId), ['grant', 'revoke', 'grant']);
		});

		it('a No Change after a full refund tells the truth: "Paid. Access stays revoked.", never "access granted"', async () => {
			await ledger.contacts.upsert({ launch, email: 'late@example.com' });
			const o = { email: 'late@example.com', customer: 'cus_late', order: 'pi_late' };
			assert.equal(single(await deliver(stripe.checkoutCompleted('evt_l1', o))).output, OUT.grant);
			assert.equal(single(await deliver(stripe.chargeRefunded('evt_l2', { order: 'pi_late' }))).output, OUT.revoke);
			// A late capture event of the same (refunded) order changes nothing.
			const late = single(await deliver(stripe.asyncSucceeded('evt_l3', o)));
			assert.deepEqual([late.output, late.json.reason, late.json.accessState], [OUT.noChange, 'captured', 'revoked']);
			assert.equal(late.json.message, 'Paid. Access stays revoked.');
		});

		it('a pin wins over the payments until it is removed; both are in the history with reason and person', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'pinned@example.com' });
			const pin = single(await run({ resource: 'access', operation: 'pin', contactId, productId: 'course', pin: 'grant', reason: 'Scholarship', by: 'sam@example.com' }));
			assert.deepEqual([pin.output, pin.json.accessState], [OUT.grant, 'granted']);
			single(await deliver(stripe.checkoutCompleted('evt_pin1', { email: 'pinned@example.com', customer: 'cus_pin', order: 'pi_pin' })));
			const refund = single(await deliver(stripe.chargeRefunded('evt_pin2', { order: 'pi_pin' })));
			assert.deepEqual([refund.output, refund.json.reason, refund.json.accessState], [OUT.noChange, 'pinned', 'granted']);
			const unpin = single(await run({ resource: 'access', operation: 'unpin', contactId, productId: 'course', by: 'sam@example.com', unpinReason: 'Scholarship ended' }));
			assert.deepEqual([unpin.output, unpin.json.accessState], [OUT.revoke, 'revoked']);
			const log = await ledger.contacts.history(contactId, { types: ['access.pinned', 'access.unpinned'] });
			assert.deepEqual(log.map((e) => [e.type, e.source, e.data.reason]), [
				['access.pinned', 'sam@example.com', 'Scholarship'],
				['access.unpinned', 'sam@example.com', 'Scholarship ended'],
			]);
			assert.deepEqual(await outboxKinds(contactId), ['grant', 'revoke']);
		});

		it('a Lemon Squeezy order is matched through its custom data token', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'ls@example.com' });
			const token = (await ledger.purchases.createCheckoutToken({ launch, contactId })).token;
			const rawBody = JSON.stringify(lemonSqueezy.order('order_created', { token, email: 'other@example.com', order: '9001', customer: '77' }));
			const received = await ledger.purchases.receive({
				launch,
				provider: 'lemonsqueezy',
				secret: SECRET,
				rawBody,
				headers: { 'X-Signature': createHmac('sha256', SECRET).update(rawBody).digest('hex'), 'X-Event-Name': 'order_created' },
			});
			const grant = single(await run({ resource: 'purchase', operation: 'match' }, items({ inboxId: received.id })));
			assert.deepEqual([grant.output, grant.json.matchedBy, grant.json.contactId, grant.json.provider], [OUT.grant, 'token', contactId, 'lemonsqueezy']);
		});

		it('Replay Unprocessed Deliveries: a delivery whose run never matched it is decided once after the threshold, not before; the late original run changes nothing', async () => {
			const replayLaunch = 'replay-launch';
			await ledger.purchases.defineProduct({ launch: replayLaunch, productId: 'course', amount: 5900, currency: 'USD' });
			const { contactId } = await ledger.contacts.upsert({ launch: replayLaunch, email: 'grace@example.com' });
			// What the Purchase Webhook Trigger stored five minutes ago; the run it started failed before Match Purchase.
			const at = Date.now() - 5 * 60_000;
			const payload = stripe.checkoutCompleted('evt_replay_node', { email: 'grace@example.com', customer: 'cus_grace', order: 'pi_grace' });
			const received = await ledger.purchases.receive({ launch: replayLaunch, provider: 'stripe', secret: SECRET, now: at, ...stripeSign(JSON.stringify(payload), SECRET, at) });
			assert.equal(received.status, 'received');
			const replay = (parameters: IDataObject = {}) => run({ resource: 'purchase', operation: 'replayUnprocessed', launch: replayLaunch, refundWindowSeconds: 86400, ...parameters });
			const allItems = (result: WorkflowRunResult) => [0, 1, 2, 3].flatMap((output) => result.output(NODE, output));

			const tooEarly = await replay();
			ok(tooEarly);
			assert.deepEqual(allItems(tooEarly), [], 'with the default 10 minutes a 5-minute-old delivery is left to its own run');
			assert.equal((await ledger.purchases.inboxEntry(received.id))?.status, 'received');

			const replayed = await replay({ olderThanMinutes: 4 });
			ok(replayed);
			const { output, json } = single(replayed);
			assert.equal(output, OUT.grant);
			assert.deepEqual(
				[json.decision, json.reason, json.contactId, json.inboxId, json.eventId, json.provider, json.replayed, json.duplicate],
				['grant', 'captured', contactId, received.id, 'evt_replay_node', 'stripe', true, false],
			);
			assert.equal(replayed.output('After Grant').length, 1, 'the grant reaches the step after the Grant output');

			const again = await replay({ olderThanMinutes: 4 });
			ok(again);
			assert.deepEqual(allItems(again), [], 'replayed once');
			// The original run comes back after all: Match Purchase finds the entry handled.
			const late = await run({ resource: 'purchase', operation: 'match', launch: replayLaunch }, items({ inboxId: received.id }));
			ok(late);
			const lateItem = single(late);
			assert.deepEqual([lateItem.output, lateItem.json.reason, lateItem.json.duplicate], [OUT.noChange, 'already_processed', true]);
			const grants = await ledger.store.query<{ kind: string }>('SELECT kind FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY seq', [replayLaunch, contactId]);
			assert.deepEqual(grants.map((g) => g.kind), ['grant']);
		});

		it('Replay Unprocessed Deliveries: a delivery that cannot be processed leaves on Review with the error and what to do; it stays in the inbox', async () => {
			const brokenLaunch = 'replay-broken';
			const at = Date.now() - 15 * 60_000;
			const payload = stripe.checkoutCompleted('evt_replay_broken', { order: 'pi_broken' });
			const received = await ledger.purchases.receive({ launch: brokenLaunch, provider: 'stripe', secret: SECRET, now: at, ...stripeSign(JSON.stringify(payload), SECRET, at) });
			// A stored body that no longer reads as Stripe's event (damaged outside the ledger).
			await ledger.store.execute('UPDATE purchase_inbox SET raw_body = $1 WHERE id = $2', ['not json', received.id]);
			const result = await run({ resource: 'purchase', operation: 'replayUnprocessed', launch: brokenLaunch });
			ok(result);
			const { output, json } = single(result);
			assert.equal(output, OUT.review);
			assert.deepEqual([json.reason, json.error, json.inboxId, json.eventId, json.replayed], ['replay_failed', 'body: is not JSON', received.id, 'evt_replay_broken', true]);
			assert.match(String(json.message), new RegExp(`tried again after \\S+ \\(failed replays so far: 1\\).*inbox entry ${received.id}`));
			assert.equal(json.replayAttempts, 1);
			assert.ok(Date.parse(String(json.nextReplayAt)) > Date.now() + 9 * 60_000, 'next replay in about 10 minutes');
			assert.equal((await ledger.purchases.inboxEntry(received.id))?.status, 'received');
			const again = await run({ resource: 'purchase', operation: 'replayUnprocessed', launch: brokenLaunch });
			ok(again);
			assert.deepEqual([0, 1, 2, 3].flatMap((o) => again.output(NODE, o)), [], 'the next run leaves it alone: no second Review item');
		});

		describe('bad input: an error naming the field; with continue on fail, an error item paired to its input', () => {
			const cases: Array<{ name: string; parameters: IDataObject; input?: IDataObject; message: RegExp }> = [
				{ name: 'match: no inbox entry id', parameters: { resource: 'purchase', operation: 'match', inboxId: '={{ $json.inboxId }}' }, message: /^Inbox Entry ID: is required/ },
				{ name: 'match: an inbox entry that does not exist', parameters: { resource: 'purchase', operation: 'match', inboxId: 'nope' }, message: /^Inbox Entry ID: no inbox entry has id "nope"/ },
				{
					name: 'match: an event without a provider',
					parameters: { resource: 'purchase', operation: 'match', purchaseInput: 'event', event: '={{ $json.event }}' },
					input: { event: { eventId: 'evt_x', type: 'captured' } },
					message: /^Purchase Event \(event\.provider\): must be one of stripe/,
				},
				{
					name: 'match: an event with an amount that is not cents',
					parameters: { resource: 'purchase', operation: 'match', purchaseInput: 'event', event: '={{ $json.event }}' },
					input: { event: { provider: 'stripe', eventId: 'evt_y', type: 'captured', amount: '59.99' } },
					message: /^Purchase Event \(event\.amount\): must be a whole number/,
				},
				{ name: 'match: a negative refund window', parameters: { resource: 'purchase', operation: 'match', inboxId: 'x', refundWindowSeconds: -5 }, message: /^Refund Window \(Seconds\): must be 0 or more/ },
				{ name: 'replay: an entry that did not go to review', parameters: { resource: 'purchase', operation: 'replay', inboxId: 'nope' }, message: /^Inbox Entry ID: no inbox entry/ },
				{
					name: 'replay unprocessed: a threshold of 0 minutes',
					parameters: { resource: 'purchase', operation: 'replayUnprocessed', olderThanMinutes: 0 },
					message: /^Unprocessed For \(Minutes\): must be a positive number of minutes, e\.g\. 10; got 0/,
				},
				{
					name: 'replay unprocessed: a threshold that is not a number',
					parameters: { resource: 'purchase', operation: 'replayUnprocessed', olderThanMinutes: '={{ $json.minutes }}' },
					input: { minutes: 'ten' },
					message: /^Unprocessed For \(Minutes\): must be a positive number of minutes, e\.g\. 10; got "ten"/,
				},
				{ name: 'due revocations: batch size 0', parameters: { resource: 'purchase', operation: 'dueRevocations', batchSize: 0 }, message: /^Batch Size: must be a whole number of at least 1/ },
				{ name: 'checkout token: no email', parameters: { resource: 'checkout', operation: 'createToken', email: '={{ $json.email }}' }, message: /^Email: is required/ },
				{
					name: 'checkout token: an email that is a list',
					parameters: { resource: 'checkout', operation: 'createToken', email: '={{ ["a@example.com", "b@example.com"] }}' },
					message: /^Email: must be one email address as text; got a list/,
				},
				{
					name: 'checkout token: an email with a line break',
					parameters: { resource: 'checkout', operation: 'createToken', email: '={{ "ada@example.com\\r\\nBcc: x@example.com" }}' },
					message: /^Email: must be one line of text without line breaks/,
				},
				{
					name: 'checkout token: unknown email without adding contacts',
					parameters: { resource: 'checkout', operation: 'createToken', email: 'nobody@example.com', createContact: false },
					message: /^Email: no contact with email "nobody@example.com"/,
				},
				{ name: 'checkout token: unknown contact id', parameters: { resource: 'checkout', operation: 'createToken', identifyBy: 'contactId', contactId: 'c_missing' }, message: /^Contact ID: no contact "c_missing"/ },
				{ name: 'pin: no reason', parameters: { resource: 'access', operation: 'pin', contactId: 'c1', productId: 'course', by: 'sam', reason: ' ' }, message: /^Reason: is required/ },
				{ name: 'unpin: no person', parameters: { resource: 'access', operation: 'unpin', contactId: 'c1', productId: 'course', by: '={{ $json.by }}' }, message: /^By: is required/ },
				{ name: 'access get: no product', parameters: { resource: 'access', operation: 'getAccess', contactId: 'c1', productId: '={{ $json.productId }}' }, message: /^Product ID: is required/ },
				{ name: 'product: a currency that is not a code', parameters: { resource: 'product', operation: 'defineProduct', productId: 'p', amount: 5900, currency: 'dollars' }, message: /^Currency: must be a three-letter ISO code/ },
				{ name: 'product: a fractional price', parameters: { resource: 'product', operation: 'defineProduct', productId: 'p', amount: 59.5, currency: 'USD' }, message: /^Price \(Cents\): must be a whole number of cents/ },
				{
					name: 'product: a provider id row left empty',
					parameters: { resource: 'product', operation: 'defineProduct', productId: 'p', checkPrice: false, aliases: { alias: [{ provider: 'stripe', ids: ' ' }] } },
					message: /^Provider Product IDs \(aliases\[0\]\.ids\): is empty/,
				},
			];
			for (const c of cases) {
				it(c.name, async () => {
					const stopped = await run(c.parameters, items(c.input ?? {}));
					const error = stopped.error(NODE);
					assert.ok(error, 'the node stops with an error');
					assert.match(error.message, c.message);
					assert.match(String(error.description), /Fix the "/);

					const kept = await run(c.parameters, items(c.input ?? {}, c.input ?? {}), 'continueRegularOutput');
					assert.equal(kept.error(NODE), undefined);
					const out = kept.run.data.resultData.runData[NODE]![0]!.data!.main[0]!;
					assert.deepEqual(out.map((i) => i.pairedItem), [{ item: 0 }, { item: 1 }]);
					assert.ok(out.every((i) => c.message.test(String(i.json.error)) && typeof i.json.field === 'string'), JSON.stringify(out.map((i) => i.json)));
				});
			}
		});
	});
}
