import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { gumroad, paddle, shopify, stripe } from '../support/purchase-fixtures';
import { paddleSign, shopifySign, stripeSign } from '../support/purchase-signing';

const TEST_WHSEC = 'whsec_e2e_real_n8n';
const WORKFLOW_ID = 'purchTrigE2e0001';
const PATH = 'stripe-purchases-e2e';
const TRIGGER = 'Purchase Webhook Trigger';

function triggerWorkflow(id: string, path: string, provider: string, credential: { type: string; id: string }, parameters: Record<string, unknown> = {}) {
	return {
		id,
		name: `Purchase Webhook Trigger e2e (${provider})`,
		nodes: [
			{
				id: `${id}-trigger`,
				name: TRIGGER,
				type: 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: `${id}-webhook`,
				parameters: { path, provider, launch: 'default', ...parameters },
				credentials: { [credential.type]: { id: credential.id, name: `${provider} e2e` } },
			},
			{ id: `${id}-next`, name: 'Next Step', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { [TRIGGER]: { main: [[{ node: 'Next Step', type: 'main', index: 0 }]] } },
	};
}

const workflow = triggerWorkflow(WORKFLOW_ID, PATH, 'stripe', { type: 'stripeWebhookSecretApi', id: 'stripeWhSecE2e01' });
// The other signature schemes, and Gumroad's form-encoded ping with its URL secret (confirmation off:
// no Gumroad API here), through the same real n8n.
const OTHERS = [
	{ provider: 'shopify', workflow: triggerWorkflow('purchTrigE2eShop', 'shopify-purchases-e2e', 'shopify', { type: 'shopifyWebhookSecretApi', id: 'shopWhSecE2e0001' }) },
	{ provider: 'paddle', workflow: triggerWorkflow('purchTrigE2ePadd', 'paddle-purchases-e2e', 'paddle', { type: 'paddleWebhookSecretApi', id: 'paddWhSecE2e0001' }, { toleranceSeconds: 60 }) },
	{ provider: 'gumroad', workflow: triggerWorkflow('purchTrigE2eGumr', 'gumroad-purchases-e2e', 'gumroad', { type: 'gumroadPingApi', id: 'gumrPingE2e00001' }, { confirmSale: false }) },
];

/**
 * A real n8n: the Stripe signature is checked over the bytes Stripe sent (n8n must not parse and
 * re-serialize the body), and a repeated event id is answered 200 without a second execution.
 */
describe('real n8n: Purchase Webhook Trigger', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({
			workflows: [workflow, ...OTHERS.map((o) => o.workflow)],
			credentials: [
				{ id: 'stripeWhSecE2e01', name: 'stripe e2e', type: 'stripeWebhookSecretApi', data: { signingSecret: TEST_WHSEC } },
				{ id: 'shopWhSecE2e0001', name: 'shopify e2e', type: 'shopifyWebhookSecretApi', data: { signingSecret: TEST_WHSEC } },
				{ id: 'paddWhSecE2e0001', name: 'paddle e2e', type: 'paddleWebhookSecretApi', data: { signingSecret: TEST_WHSEC } },
				{ id: 'gumrPingE2e00001', name: 'gumroad e2e', type: 'gumroadPingApi', data: { urlSecret: TEST_WHSEC, accessToken: 'not-used-here' } },
			],
		});
	});
	after(async () => n8n?.stop());

	const inboxEntry = async (inboxId: string) => {
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			return await ledger.purchases.inboxEntry(inboxId);
		} finally {
			await ledger.close();
		}
	};
	const send = (rawBody: string, headers: Record<string, string>) => fetch(n8n.webhookUrl(PATH), { method: 'POST', headers, body: rawBody });

	it('verifies a Stripe-signed delivery over its raw bytes, runs once, and answers a repeat 200 without a second run', async () => {
		// Pretty-printed with non-ASCII text: any re-serialization by n8n would change the signed bytes.
		const payload = stripe.checkoutCompleted('evt_e2e_first', { order: 'pi_e2e_1' });
		(payload.data.object.customer_details as { name: string }).name = 'Zoë Ångström';
		const delivery = stripeSign(`${JSON.stringify(payload, null, 3)}\n`, TEST_WHSEC);

		const first = await send(delivery.rawBody, delivery.headers);
		const firstBody = (await first.json()) as { ok: boolean; status: string; inboxId: string; type: string };
		assert.equal(first.status, 200, JSON.stringify(firstBody));
		assert.deepEqual([firstBody.status, firstBody.type], ['received', 'captured']);

		const repeat = await send(delivery.rawBody, delivery.headers);
		const repeatBody = (await repeat.json()) as { status: string; inboxId: string };
		assert.equal(repeat.status, 200);
		assert.deepEqual([repeatBody.status, repeatBody.inboxId], ['duplicate', firstBody.inboxId]);

		// A second, different event after the repeat: once its run is there, every run the repeat
		// could have started would be too.
		const marker = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_e2e_marker', { order: 'pi_e2e_2' })), TEST_WHSEC);
		assert.equal((await send(marker.rawBody, marker.headers)).status, 200);
		const runs = await n8n.waitForExecutions(WORKFLOW_ID, 2);
		assert.equal(runs.length, 2, 'one run per distinct event, none for the repeat');
		const items = runs.map((run) => run.nodes[TRIGGER]?.[0]?.[0] as { eventId: string; inboxId: string; type: string; customerId: string });
		assert.deepEqual(items.map((i) => i.eventId).sort(), ['evt_e2e_first', 'evt_e2e_marker']);
		const firstItem = items.find((i) => i.eventId === 'evt_e2e_first')!;
		assert.deepEqual([firstItem.inboxId, firstItem.type, firstItem.customerId], [firstBody.inboxId, 'captured', 'stripe:cus_Q1']);
		assert.ok(runs.every((run) => run.status === 'success' && run.nodes['Next Step']?.[0]?.length === 1));

		const entry = await inboxEntry(firstBody.inboxId);
		assert.deepEqual([entry?.status, entry?.attempts, entry?.signatureOk], ['received', 2, true]);
		assert.equal(entry?.rawBody, delivery.rawBody, 'the inbox keeps the exact bytes');
	});

	it('one event delivered 20 times at the same moment is answered 200 every time and runs once', async () => {
		const before = n8n.executions(WORKFLOW_ID).length;
		const delivery = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_e2e_twenty', { order: 'pi_e2e_20' })), TEST_WHSEC);
		const answers = await Promise.all(
			Array.from({ length: 20 }, async () => {
				const res = await send(delivery.rawBody, delivery.headers);
				return { status: res.status, body: (await res.json()) as { status: string; inboxId: string } };
			}),
		);
		assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
		assert.deepEqual(answers.map((a) => a.body.status).sort(), ['received', ...Array(19).fill('duplicate')].sort());
		assert.equal(new Set(answers.map((a) => a.body.inboxId)).size, 1);
		const marker = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_e2e_after_twenty', { order: 'pi_e2e_21' })), TEST_WHSEC);
		assert.equal((await send(marker.rawBody, marker.headers)).status, 200);
		const runs = await n8n.waitForExecutions(WORKFLOW_ID, before + 2);
		assert.equal(runs.length, before + 2, 'one run for the twenty, one for the marker');
		const eventIds = runs.map((run) => (run.nodes[TRIGGER]?.[0]?.[0] as { eventId: string }).eventId);
		assert.equal(eventIds.filter((id) => id === 'evt_e2e_twenty').length, 1);
		const entry = await inboxEntry(answers[0]!.body.inboxId);
		assert.equal(entry?.attempts, 20);
	});

	it('answers a forged signature 401, keeps it with the reason, and runs nothing', async () => {
		const before = n8n.executions(WORKFLOW_ID).length;
		const forged = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_e2e_forged')), 'whsec_not_ours');
		const res = await send(forged.rawBody, forged.headers);
		assert.equal(res.status, 401);
		const answer = (await res.json()) as { reason: string; inboxId: string };
		assert.equal(answer.reason, 'bad_signature');
		// Kept as received; the event id it claims is not trusted, so it is not stored as one.
		const entry = await inboxEntry(answer.inboxId);
		assert.equal(entry?.rawBody, forged.rawBody);
		assert.deepEqual([entry?.status, entry?.signatureReason], ['rejected', 'bad_signature']);
		// A valid event after it: its run is the only new one.
		const next = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_e2e_after_forged', { order: 'pi_e2e_3' })), TEST_WHSEC);
		assert.equal((await send(next.rawBody, next.headers)).status, 200);
		const runs = await n8n.waitForExecutions(WORKFLOW_ID, before + 1);
		assert.equal(runs.length, before + 1);
	});

	it('Shopify (base64 signature), Paddle (ts:body) and a Gumroad form ping (URL secret) verify through n8n and run once each; a wrong URL secret is 401', async () => {
		const post = (path: string, rawBody: string, headers: Record<string, string>) => fetch(n8n.webhookUrl(path), { method: 'POST', headers, body: rawBody });
		const shop = shopifySign(JSON.stringify(shopify.order({ order: '7001' }), null, 1), TEST_WHSEC, 'orders/paid', 'wh-e2e-1');
		const padd = paddleSign(JSON.stringify(paddle.transactionCompleted('evt_paddle_e2e', { order: 'txn_e2e' })), TEST_WHSEC);
		const ping = gumroad.sale({ order: 'sale_e2e', token: 'tok 1/2' });
		const gumroadUrl = (secret: string) => `gumroad-purchases-e2e?secret=${encodeURIComponent(secret)}`;
		const answers = await Promise.all([
			post('shopify-purchases-e2e', shop.rawBody, shop.headers),
			post('paddle-purchases-e2e', padd.rawBody, padd.headers),
			post(gumroadUrl(TEST_WHSEC), ping, { 'content-type': 'application/x-www-form-urlencoded' }),
		]);
		assert.deepEqual(answers.map((a) => a.status), [200, 200, 200], (await Promise.all(answers.map((a) => a.text()))).join(' | '));
		const expected: Record<string, { eventId: string; type: string }> = {
			shopify: { eventId: 'wh-e2e-1', type: 'captured' },
			paddle: { eventId: 'evt_paddle_e2e', type: 'captured' },
			gumroad: { eventId: 'sale_e2e:captured', type: 'captured' },
		};
		for (const other of OTHERS) {
			const [run] = await n8n.waitForExecutions(other.workflow.id, 1);
			const item = run!.nodes[TRIGGER]?.[0]?.[0] as { eventId: string; type: string; checkoutToken: string | null; confirmed: boolean | null };
			assert.deepEqual({ eventId: item.eventId, type: item.type }, expected[other.provider], other.provider);
			if (other.provider === 'gumroad') assert.deepEqual([item.checkoutToken, item.confirmed], ['tok 1/2', false], 'form fields decoded; unconfirmed sales never grant');
		}
		const wrong = await post(gumroadUrl('guessed'), ping, { 'content-type': 'application/x-www-form-urlencoded' });
		assert.equal(wrong.status, 401);
		assert.equal(n8n.executions('purchTrigE2eGumr').length, 1);
	});
});
