import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';

import nock from 'nock';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { START as ACTION_START, actionWorkflow } from '../support/action-workflow';
import { LEMON_TEST_SIGNING, STRIPE_TEST_WHSEC, checkoutTemplate, lemonThinkificTemplate } from '../support/checkout-template';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { lemonSqueezy, stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { reconciliationTemplate, SLACK_PATH } from '../support/review-alert-templates';
import { freshDatabase, type TestDatabase } from '../support/stores';

/*
 * Review outputs → the alert channel: every Review item carries `reviewUrl` (its item on the review
 * desk) and `text` (what needs a person, who, what was paid, the rule, what to do, the link), and each
 * template's Review output posts that text to Slack. sqlite only: the link is built in the nodes, the
 * same on both drivers (the ledger's review items have their own contract suites).
 */

const DESK = 'http://localhost:5678/webhook/waitlist-review'; // the in-process harness's instance base URL + the desk's default path
const START = 'Start';
const OUT = { purchaseReview: 3, sweepReport: 1, sweepReview: 2 } as const;

/** Manual Trigger → one pack node (pinned input items, if any) → a No Op on each output. */
function nodeWorkflow(type: string, parameters: IDataObject, outputs: number, input?: { name: string; index: number; items: IDataObject[] }): WorkflowJson {
	const name = 'Node under test';
	const pinData: Record<string, INodeExecutionData[]> = {};
	const nodes: WorkflowJson['nodes'] = [
		{ id: 'r0', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: 'r1', name, type: `n8n-nodes-waitlist-ledger.${type}`, typeVersion: 1, position: [440, 0], parameters: parameters as WorkflowJson['nodes'][number]['parameters'] },
		...Array.from({ length: outputs }, (_, i) => ({ id: `o${i}`, name: `After ${i}`, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [660, i * 120] as [number, number], parameters: {} })),
	];
	const connections: WorkflowJson['connections'] = { [name]: { main: Array.from({ length: outputs }, (_, i) => [{ node: `After ${i}`, type: 'main' as const, index: 0 }]) } };
	if (input) {
		nodes.push({ id: 'l0', name: input.name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} });
		pinData[input.name] = input.items.map((json) => ({ json }));
		connections[START] = { main: [[{ node: input.name, type: 'main', index: 0 }]] };
		connections[input.name] = { main: [[{ node: name, type: 'main', index: input.index }]] };
	} else connections[START] = { main: [[{ node: name, type: 'main', index: 0 }]] };
	return { name: `${type} test`, nodes, connections, pinData } as WorkflowJson;
}

const unknownBuyerEvent = (id: string, email: string) =>
	JSON.stringify({ provider: 'stripe', eventId: id, type: 'captured', orderId: `pi_${id}`, productId: 'course', amount: 5900, currency: 'USD', email });

const charge = (id: string, paymentIntent: string, email: string): IDataObject => ({ id, object: 'charge', payment_intent: paymentIntent, billing_details: { email }, receipt_email: email, status: 'succeeded', refunded: false });

describe('[sqlite] Review outputs → review desk link and alert text', () => {
	let db: TestDatabase;
	let ledger: Ledger;
	const run = (wf: WorkflowJson) => runWorkflow(wf, { credentials: ledgerCredentialFor(db.config) });

	before(async () => {
		db = await freshDatabase('sqlite');
		ledger = await getLedger(db.config);
		await ledger.purchases.defineProduct({ launch: 'default', productId: 'course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'], lemonsqueezy: ['42'] } });
		nock.disableNetConnect();
	});
	afterEach(() => nock.cleanAll());
	after(async () => {
		nock.enableNetConnect();
		await closeAllLedgers();
		await db.drop();
	});

	describe('Purchase Match', () => {
		const match = (event: string, options: IDataObject = {}) =>
			run(nodeWorkflow('purchaseMatch', { resource: 'purchase', operation: 'match', purchaseInput: 'event', event, launch: 'default', reviewOptions: options }, 4));

		it('blank Review Desk URL: the Review item links to this n8n\'s /webhook/waitlist-review?item=<reviewId>, and its text says who, what was paid, the rule, what to do', async () => {
			const result = await match(unknownBuyerEvent('evt_ra_1', 'stranger@example.com'));
			const [item] = result.output('Node under test', OUT.purchaseReview);
			assert.ok(item, JSON.stringify(result.error('Node under test')));
			assert.equal(item.reason, 'no_contact_match');
			assert.equal(item.reviewUrl, `${DESK}?item=${String(item.reviewId)}`);
			const text = String(item.text);
			assert.match(text, /^Needs a person: a payment matched nobody on your waitlist/);
			assert.match(text, /Who: stranger@example\.com \(the email paid with; no contact has it\)/);
			assert.match(text, /Paid: 59\.00 USD for course through stripe \(order pi_evt_ra_1\)/);
			assert.match(text, /Stopped by: no_contact_match/);
			assert.match(text, /What to do: No contact has this checkout token/);
			assert.ok(text.endsWith(`Open it on the review desk: ${String(item.reviewUrl)}`), text);
			// The desk shows that same item.
			assert.equal((await ledger.review.detail(String(item.reviewId)))?.paid?.email, 'stranger@example.com');
		});

		it('a custom Review Desk URL is used as given; a Grant item gets no link', async () => {
			const custom = await match(unknownBuyerEvent('evt_ra_2', 'other@example.com'), { reviewDeskUrl: 'https://n8n.example.com/webhook/our-desk' });
			const [item] = custom.output('Node under test', OUT.purchaseReview);
			assert.equal(item!.reviewUrl, `https://n8n.example.com/webhook/our-desk?item=${String(item!.reviewId)}`);

			const { contactId } = await ledger.contacts.upsert({ launch: 'default', email: 'known@example.com' });
			const granted = await match(unknownBuyerEvent('evt_ra_3', 'known@example.com'));
			const [grant] = granted.output('Node under test', 0);
			assert.deepEqual([grant!.decision, grant!.contactId, 'reviewUrl' in grant!, 'text' in grant!], ['grant', contactId, false, false]);
		});

		it('an invalid Review Desk URL fails the item with an error naming the field, before anything is decided', async () => {
			const result = await match(unknownBuyerEvent('evt_ra_4', 'nobody@example.com'), { reviewDeskUrl: 'ftp://files.example.com/desk' });
			assert.match(result.error('Node under test')?.message ?? '', /^Review Desk URL: must be a web address starting with https:\/\/ or http:\/\//);
			const open = await ledger.review.list('default', { status: 'open' });
			assert.equal(open.filter((r) => r.payload.orderId === 'pi_evt_ra_4').length, 0, 'nothing decided');
		});

		it('Replay Unprocessed Deliveries: a stranded payment nobody matches leaves on Review with its link', async () => {
			const at = Date.now() - 11 * 60_000;
			const payment = stripe.checkoutCompleted('evt_ra_stranded', { email: 'lost@example.com', customer: 'cus_lost', order: 'pi_lost', product: 'prod_course' });
			const kept = await ledger.purchases.receive({ launch: 'default', provider: 'stripe', secret: STRIPE_TEST_WHSEC, now: at, ...stripeSign(JSON.stringify(payment), STRIPE_TEST_WHSEC, at) });
			const result = await run(nodeWorkflow('purchaseMatch', { resource: 'purchase', operation: 'replayUnprocessed', olderThanMinutes: 10, launch: 'default' }, 4));
			const [item] = result.output('Node under test', OUT.purchaseReview);
			assert.deepEqual([item?.inboxId, item?.reason], [kept.id, 'no_contact_match']);
			assert.equal(item!.reviewUrl, `${DESK}?item=${String(item!.reviewId)}`);
			assert.match(String(item!.text), /Who: lost@example\.com/);
		});
	});

	describe('Reconcile Sweep (Compare)', () => {
		const compare = (charges: IDataObject[], options: IDataObject = {}, parameters: IDataObject = {}) =>
			run(nodeWorkflow('reconcileSweep', { operation: 'compare', claimFixes: false, reviewOptions: options, ...parameters }, 3, { name: 'Stripe charges', index: 2, items: charges }));

		it('a paid order with no contact links to its item on the desk; a duplicate, which has no desk item, links to the desk', async () => {
			const result = await compare([charge('ch_ra_1', 'pi_ra_ghost', 'ghost@example.com'), charge('ch_ra_2', 'pi_ra_twice', 'twice@example.com'), charge('ch_ra_3', 'pi_ra_twice', 'twice@example.com')]);
			const review = result.output('Node under test', OUT.sweepReview);
			const ghost = review.find((r) => r.finding === 'purchase_without_contact' && r.orderId === 'pi_ra_ghost');
			assert.ok(ghost, JSON.stringify(review));
			assert.equal(ghost.reviewUrl, `${DESK}?item=${String(ghost.reviewId)}`);
			assert.equal((await ledger.review.detail(String(ghost.reviewId)))?.subject, 'order:pi_ra_ghost');
			assert.match(String(ghost.text), /^Needs a person: a paid order in your checkout has no contact/);
			assert.match(String(ghost.text), /Who: ghost@example\.com/);
			assert.match(String(ghost.text), /Paid: order pi_ra_ghost/);
			assert.match(String(ghost.text), /Stopped by: purchase_without_contact/);
			const duplicate = review.find((r) => r.finding === 'duplicate');
			assert.deepEqual([duplicate?.orderId, duplicate?.reviewUrl], ['pi_ra_twice', DESK]);
			assert.match(String(duplicate!.text), /has the same record more than once/);
		});

		it('a custom Review Desk URL is used; an invalid one fails the run naming the field', async () => {
			const custom = await compare([charge('ch_ra_4', 'pi_ra_ghost2', 'ghost2@example.com')], { reviewDeskUrl: 'https://ops.example.com/webhook/desk' });
			const [item] = custom.output('Node under test', OUT.sweepReview);
			assert.equal(item!.reviewUrl, `https://ops.example.com/webhook/desk?item=${String(item!.reviewId)}`);
			const bad = await compare([charge('ch_ra_5', 'pi_ra_ghost3', 'ghost3@example.com')], { reviewDeskUrl: 'desk.example.com' });
			assert.match(bad.error('Node under test')?.message ?? '', /^Review Desk URL: must be a web address/);
		});
		it('an open problem is announced once, not on every hourly sweep: the next sweep sends nothing new, 0 hours sends it again; both stay counted in the Report', async () => {
			const charges = [charge('ch_ra_6', 'pi_ra_once', 'once@example.com'), charge('ch_ra_7', 'pi_ra_dup', 'dup@example.com'), charge('ch_ra_8', 'pi_ra_dup', 'dup@example.com')];
			const first = await compare(charges);
			const announced = first.output('Node under test', OUT.sweepReview).filter((r) => r.orderId === 'pi_ra_once' || r.orderId === 'pi_ra_dup');
			// pi_ra_dup is listed twice (a duplicate) and, like pi_ra_once, paid by nobody in the ledger.
			assert.deepEqual(announced.map((r) => `${String(r.finding)} ${String(r.orderId)}`).sort(), ['duplicate pi_ra_dup', 'purchase_without_contact pi_ra_dup', 'purchase_without_contact pi_ra_once']);
			const again = await compare(charges);
			assert.deepEqual(again.output('Node under test', OUT.sweepReview).filter((r) => r.orderId === 'pi_ra_once' || r.orderId === 'pi_ra_dup'), []);
			const [report] = again.output('Node under test', OUT.sweepReport);
			assert.ok(Number(report!.review) >= 3, JSON.stringify(report));
			assert.equal(report!.reviewAnnounced, 0);
			// The item is still open on the desk: the quiet period only spares the channel.
			const ghost = announced.find((r) => r.finding === 'purchase_without_contact' && r.orderId === 'pi_ra_once')!;
			assert.equal((await ledger.review.detail(String(ghost.reviewId)))?.status, 'open');
			const everyTime = await compare(charges, {}, { remindAfterHours: 0 });
			assert.deepEqual(everyTime.output('Node under test', OUT.sweepReview).filter((r) => r.orderId === 'pi_ra_once' || r.orderId === 'pi_ra_dup').length, 3);
			const bad = await compare(charges, {}, { remindAfterHours: -1 });
			assert.match(bad.error('Node under test')?.message ?? '', /Alert Again After|remindAfterHours/);
		});
	});

	describe('Waitlist Contact', () => {
		const contact = (parameters: IDataObject) =>
			runWorkflow(actionWorkflow({ name: 'Waitlist Contact', type: 'waitlistContact', parameters: { launch: 'contacts', ...parameters } }), {
				trigger: { node: ACTION_START, items: [{ json: {} }] },
				credentials: ledgerCredentialFor(db.config),
			});

		it('Link Identifier: an email another contact owns leaves on Review with its desk link; an invalid Review Desk URL names the field', async () => {
			const a = await ledger.contacts.upsert({ launch: 'contacts', email: 'ann@example.com' });
			const b = await ledger.contacts.upsert({ launch: 'contacts', email: 'ann.work@example.com' });
			const result = await contact({ operation: 'link', contactId: b.contactId, identifierKind: 'email', identifierValue: 'ann@example.com' });
			const [item] = result.output('Waitlist Contact', 1);
			assert.equal(item?.reason, 'identifier_owned_by_other_contact', JSON.stringify(result.error('Waitlist Contact')));
			assert.equal(item!.reviewUrl, `${DESK}?item=${String(item!.reviewId)}`);
			assert.match(String(item!.text), /^Needs a person: two contacts may be the same person \(the email "ann@example\.com" was not linked\)/);
			assert.ok(String(item!.text).includes(`Who: contact ${b.contactId} and contact ${a.contactId}`));
			assert.match(String(item!.text), /merge them on the review desk/);

			const bad = await contact({ operation: 'link', contactId: b.contactId, identifierKind: 'email', identifierValue: 'ann@example.com', reviewOptions: { reviewDeskUrl: 'not a url' } });
			assert.match(bad.error('Waitlist Contact')?.message ?? '', /^Review Desk URL: must be a web address/);
		});

		it('Create or Update: a conflicting identifier leaves on Review with the custom Review Desk URL (under Options)', async () => {
			await ledger.contacts.upsert({ launch: 'contacts', email: 'cal@example.com', customerId: 'cus_cal' });
			const result = await contact({ operation: 'upsert', email: 'cal.other@example.com', customerId: 'cus_cal', options: { reviewDeskUrl: 'https://n8n.example.com/webhook/desk' } });
			const [item] = result.output('Waitlist Contact', 1);
			assert.equal(item?.reason, 'identifier_owned_by_other_contact', JSON.stringify(result.error('Waitlist Contact')));
			assert.equal(item!.reviewUrl, `https://n8n.example.com/webhook/desk?item=${String(item!.reviewId)}`);
		});

		it('Unmerge: access that changed while merged leaves on Review with a link per review item', async () => {
			await ledger.purchases.defineProduct({ launch: 'contacts', productId: 'course' });
			const keep = await ledger.contacts.upsert({ launch: 'contacts', email: 'una-keep@example.com' });
			const dup = await ledger.contacts.upsert({ launch: 'contacts', email: 'una-dup@example.com' });
			const order = { email: 'una-dup@example.com', customer: 'cus_una', order: 'pi_una' };
			await ledger.purchases.apply('contacts', normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_una_1', order)));
			await ledger.contacts.merge({ launch: 'contacts', targetContactId: keep.contactId, sourceContactId: dup.contactId });
			await ledger.purchases.apply('contacts', normalizePurchaseEvent('stripe', stripe.chargeRefunded('evt_una_2', order)));
			const result = await contact({ operation: 'unmerge', contactId: dup.contactId });
			const [item] = result.output('Waitlist Contact', 1);
			assert.ok(item, JSON.stringify(result.error('Waitlist Contact')));
			const ids = item.reviewIds as string[];
			assert.equal(ids.length, 1);
			assert.deepEqual(item.reviewUrls, [`${DESK}?item=${ids[0]}`]);
			assert.equal(item.reviewUrl, `${DESK}?item=${ids[0]}`);
			assert.match(String(item.text), /^Needs a person: a merge was undone/);
		});
	});

	describe('templates: the Review output posts to Slack (nock)', () => {
		/** Captures what the template posts to the Slack incoming webhook. */
		function slack(): string[] {
			const texts: string[] = [];
			nock('https://hooks.slack.com')
				.post(SLACK_PATH, (body: { text: string }) => texts.push(body.text) > 0)
				.reply(200, 'ok');
			return texts;
		}

		it('checkout-to-access.json: an unknown-email Stripe purchase → one Slack message naming the buyer, escaped for Slack, with the desk link; nothing delivered', async () => {
			const texts = slack();
			const payload = stripe.checkoutCompleted('evt_ra_tpl', { email: 'tom&jerry@example.com', customer: 'cus_tj', order: 'pi_tj', product: 'prod_course' });
			const raw = JSON.stringify(payload);
			const t = Math.floor(Date.now() / 1000);
			const headers = { 'content-type': 'application/json', 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', STRIPE_TEST_WHSEC).update(`${t}.${raw}`).digest('hex')}` };
			const { workflow } = await runWebhook(checkoutTemplate() as unknown as WorkflowJson, {
				node: 'Stripe webhook',
				request: { body: payload, rawBody: Buffer.from(raw), headers },
				credentials: { ...ledgerCredentialFor(db.config), stripeWebhookSecretApi: { signingSecret: STRIPE_TEST_WHSEC } },
			});
			const [item] = workflow!.output('Match purchase', OUT.purchaseReview);
			assert.equal(item?.reason, 'no_contact_match');
			assert.equal(texts.length, 1, 'one Slack message');
			assert.match(texts[0]!, /Who: tom&amp;jerry@example\.com/, 'escaped for Slack');
			assert.match(texts[0]!, /Paid: 59\.00 USD for prod_course through stripe \(order pi_tj\)/, "the product as Stripe named it: the payment was never matched");
			assert.ok(texts[0]!.includes(`Open it on the review desk: ${DESK}?item=${String(item!.reviewId)}`), texts[0]);
			assert.equal(workflow!.ran('Access Outbox: claim access work'), false);
		});

		it('checkout-to-access-lemonsqueezy-thinkific.json: an unknown-email Lemon Squeezy order → one Slack message with the desk link', async () => {
			const texts = slack();
			const payload = lemonSqueezy.order('order_created', { email: 'lemon.stranger@example.com', order: '9001', product: '42' });
			const raw = JSON.stringify(payload);
			const headers = { 'content-type': 'application/json', 'X-Event-Name': 'order_created', 'X-Signature': createHmac('sha256', LEMON_TEST_SIGNING).update(raw).digest('hex') };
			const { workflow } = await runWebhook(lemonThinkificTemplate() as unknown as WorkflowJson, {
				node: 'Lemon Squeezy webhook',
				request: { body: payload, rawBody: Buffer.from(raw), headers },
				credentials: { ...ledgerCredentialFor(db.config), lemonSqueezyWebhookSecretApi: { signingSecret: LEMON_TEST_SIGNING } },
			});
			const [item] = workflow!.output('Match purchase', OUT.purchaseReview);
			assert.equal(item?.reason, 'no_contact_match', JSON.stringify(workflow!.output('Match purchase', 0)));
			assert.equal(texts.length, 1);
			assert.match(texts[0]!, /Who: lemon\.stranger@example\.com/);
			assert.ok(texts[0]!.includes(`${DESK}?item=${String(item!.reviewId)}`), texts[0]);
		});

		it('scheduled-reconciliation.json: a Stripe charge nobody in the ledger paid → one Slack message with the link to its desk item', async () => {
			const texts = slack();
			nock('https://api.kit.com').get('/v4/subscribers').query(true).reply(200, { subscribers: [], pagination: { has_next_page: false, end_cursor: null } });
			nock('https://api.hubapi.com').get('/crm/v3/objects/contacts').query(true).reply(200, { results: [] });
			nock('https://api.stripe.com')
				.get('/v1/charges')
				.query(true)
				.reply(200, { object: 'list', data: [charge('ch_ra_tpl', 'pi_ra_sweep', 'sweep.stranger@example.com')], has_more: false });
			const result = await runWorkflow(reconciliationTemplate(), {
				trigger: { node: 'Every hour', items: [{ json: {} }] },
				credentials: { ...ledgerCredentialFor(db.config), httpHeaderAuth: { name: 'X-Kit-Api-Key', value: 'kit-key' }, hubspotAppToken: { appToken: 'hs' }, stripeApi: { secretKey: 'sk_test_ra' } },
			});
			assert.equal(result.run.data.resultData.error, undefined);
			const review = result.output('Reconcile Sweep: compare', OUT.sweepReview).filter((r) => r.orderId === 'pi_ra_sweep');
			assert.equal(review.length, 1, JSON.stringify(result.output('Reconcile Sweep: compare', 1)));
			assert.deepEqual(texts.filter((t) => t.includes('pi_ra_sweep')).length, 1);
			const text = texts.find((t) => t.includes('pi_ra_sweep'))!;
			assert.match(text, /Who: sweep\.stranger@example\.com/);
			assert.ok(text.includes(`Open it on the review desk: ${DESK}?item=${String(review[0]!.reviewId)}`), text);
		});
	});
});
