import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { Ledger, openStore } from '../../ledger';
import { largeStripeEvent, storedBodyBytes } from '../support/hostile-bodies';
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

// Issue 20 rows 1, 2, 5, each on a launch of its own (refusals are capped per launch and sender, and
// every post here comes from 127.0.0.1): a signed event over 1 MB matched and granted; a flood of
// refused deliveries; a flood of refused signups at a Waitlist Capture Trigger.
const BIG_LAUNCH = 'big-event-e2e';
const bigMatch = {
	...triggerWorkflow('purchTrigE2eBig1', 'stripe-big-e2e', 'stripe', { type: 'stripeWebhookSecretApi', id: 'stripeWhSecE2e01' }, { launch: BIG_LAUNCH }),
	name: 'Purchase Webhook Trigger e2e (big event → Purchase Match)',
};
bigMatch.nodes[1] = {
	id: 'purchTrigE2eBig1-match',
	name: 'Next Step',
	type: 'n8n-nodes-waitlist-ledger.purchaseMatch',
	typeVersion: 1,
	position: [220, 0],
	parameters: { resource: 'purchase', operation: 'match', purchaseInput: 'inbox', inboxId: '={{ $json.inboxId }}', launch: '={{ $json.launch }}' },
} as (typeof bigMatch.nodes)[number];
const FLOOD_LAUNCH = 'refused-flood-e2e';
const flood = triggerWorkflow('purchTrigE2eFlod', 'stripe-flood-e2e', 'stripe', { type: 'stripeWebhookSecretApi', id: 'stripeWhSecE2e01' }, { launch: FLOOD_LAUNCH });
const SIGNUP_FLOOD_LAUNCH = 'signup-flood-e2e';
const signupFlood = {
	id: 'captTrigE2eFlood',
	name: 'Waitlist Capture Trigger e2e (refused flood)',
	nodes: [
		{
			id: 'captTrigE2eFlood-trigger',
			name: 'Waitlist Capture Trigger',
			type: 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: 'captTrigE2eFlood-webhook',
			parameters: { path: 'signup-flood-e2e', launch: SIGNUP_FLOOD_LAUNCH },
		},
	],
	connections: {},
};

/**
 * A real n8n: the Stripe signature is checked over the bytes Stripe sent (n8n must not parse and
 * re-serialize the body), and a repeated event id is answered 200 without a second execution.
 */
describe('real n8n: Purchase Webhook Trigger', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({
			workflows: [workflow, ...OTHERS.map((o) => o.workflow), bigMatch, flood, signupFlood],
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

	it('a compressed delivery is taken as sent, never inflated: a 15 KB gzip of 15 MB and broken gzip are answered 401 and recorded, not 500', async () => {
		const before = n8n.executions(WORKFLOW_ID).length;
		const event = JSON.stringify({ ...stripe.checkoutCompleted('evt_e2e_gzip_bomb'), pad: 'x'.repeat(15_000_000) });
		const bomb = gzipSync(event, { level: 9 });
		const brokenText = JSON.stringify(stripe.checkoutCompleted('evt_e2e_broken_gzip'));
		const broken = Buffer.concat([gzipSync(brokenText).subarray(0, 12), Buffer.from('not gzip at all')]);
		// Signed over the uncompressed event, as a provider that compressed would: the bytes sent do not match it.
		for (const [text, body] of [[event, bomb], [brokenText, broken]] as const) {
			const signed = stripeSign(text, TEST_WHSEC);
			const res = await fetch(n8n.webhookUrl(PATH), { method: 'POST', headers: { ...signed.headers, 'content-encoding': 'gzip' }, body });
			assert.equal(res.status, 401, `a gzip body of ${body.length} bytes`);
			const answer = (await res.json()) as { reason: string; inboxId: string | null };
			assert.equal(answer.reason, 'bad_signature');
			assert.ok(answer.inboxId, 'recorded');
			const entry = await inboxEntry(answer.inboxId);
			// The bytes as sent: 15 KB of gzip stays 15 KB, never the 15 MB it would inflate to.
			assert.deepEqual([entry?.status, entry?.bodyBytes], ['rejected', body.length]);
		}
		console.log(`compressed delivery: a ${bomb.length}-byte gzip of ${event.length} bytes was kept as ${bomb.length} bytes, not inflated`);
		assert.equal(n8n.executions(WORKFLOW_ID).length, before, 'no run');
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

	it('row 1: a signed 1.5 MB Stripe event is answered 200, stored whole, matched and granted', async () => {
		await n8n.withLedger(async (ledger) => {
			await ledger.purchases.defineProduct({ launch: BIG_LAUNCH, productId: 'course' });
			await ledger.contacts.upsert({ launch: BIG_LAUNCH, email: 'ada@example.com' });
		});
		const delivery = stripeSign(largeStripeEvent('evt_e2e_big', 1_500_000, { order: 'pi_e2e_big' }), TEST_WHSEC);
		const res = await fetch(n8n.webhookUrl('stripe-big-e2e'), { method: 'POST', headers: delivery.headers, body: delivery.rawBody });
		const answer = (await res.json()) as { status: string; inboxId: string };
		const stored = await n8n.withLedger((ledger) => storedBodyBytes(ledger, BIG_LAUNCH));
		console.log(`row 1 e2e: a ${Buffer.byteLength(delivery.rawBody)}-byte signed Stripe event → answered ${res.status} ${answer.status}; ${stored.inbox} bytes of body stored`);
		assert.deepEqual([res.status, answer.status], [200, 'received']);
		const [run] = await n8n.waitForExecutions('purchTrigE2eBig1', 1);
		assert.equal(run?.status, 'success', JSON.stringify(run).slice(0, 500));
		const granted = run!.nodes['Next Step']?.[0] as Array<{ decision: string; contactId: string }> | undefined;
		assert.equal(granted?.[0]?.decision, 'grant', 'Purchase Match read the whole body and decided a grant (output Grant)');
		await n8n.withLedger(async (ledger) => {
			const entry = await ledger.purchases.inboxEntry(answer.inboxId);
			assert.deepEqual([entry?.status, entry?.rawBody === delivery.rawBody, entry?.bodyCut], ['processed', true, false]);
			const access = await ledger.purchases.access({ launch: BIG_LAUNCH, contactId: granted![0]!.contactId, productId: 'course' });
			assert.equal(access?.state, 'granted');
		});
	});

	it('row 2: 50 unsigned 1 MB posts are answered 401; at most 30 are kept, 2 KB each, and the rest counted', async () => {
		const before = await n8n.withLedger((ledger) => storedBodyBytes(ledger, FLOOD_LAUNCH));
		const junk = JSON.stringify({ id: 'evt_junk', type: 'checkout.session.completed', pad: 'x'.repeat(1_000_000) });
		const statuses: number[] = [];
		for (let i = 0; i < 50; i++) {
			const res = await fetch(n8n.webhookUrl('stripe-flood-e2e'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: junk });
			statuses.push(res.status);
			await res.arrayBuffer();
		}
		const after = await n8n.withLedger((ledger) => storedBodyBytes(ledger, FLOOD_LAUNCH));
		console.log(`row 2 e2e: 50 unsigned ${junk.length}-byte posts → body bytes stored ${before.inbox} before, ${after.inbox} after (${after.inboxRows} rows)`);
		assert.deepEqual(new Set(statuses), new Set([401]));
		assert.ok(after.inbox - before.inbox <= 30 * 2048, `at most 30 × 2 KB kept, not 50 MB: ${after.inbox - before.inbox} bytes`);
		const signals = await n8n.withLedger((ledger) => ledger.monitor.signals({ launch: FLOOD_LAUNCH, windowMs: 3_600_000, now: Date.now() + 1 }));
		assert.deepEqual([signals.delivery.refusedDeliveries.count, signals.delivery.refusedDeliveries.notKept], [50, 20], 'the monitor counts every one');
		assert.equal(n8n.executions('purchTrigE2eFlod').length, 0);
	});

	it('row 5: 100 refused 60 KB signups (under the 64 KB limit) are answered 422; at most 30 are kept, 2 KB each, and the rest counted', async () => {
		const before = await n8n.withLedger((ledger) => storedBodyBytes(ledger, SIGNUP_FLOOD_LAUNCH));
		const body = JSON.stringify({ email: 'not an email', note: 'x'.repeat(60 * 1024) });
		const statuses: number[] = [];
		for (let i = 0; i < 100; i++) {
			const res = await fetch(n8n.webhookUrl('signup-flood-e2e'), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
			statuses.push(res.status);
			await res.arrayBuffer();
		}
		const after = await n8n.withLedger((ledger) => storedBodyBytes(ledger, SIGNUP_FLOOD_LAUNCH));
		console.log(`row 5 e2e: 100 refused ${body.length}-byte signups → payload bytes stored ${before.rejections} before, ${after.rejections} after (${after.rejectionRows} rows)`);
		assert.deepEqual(new Set(statuses), new Set([422]));
		assert.ok(after.rejections - before.rejections <= 30 * 2048, `at most 30 × 2 KB kept: ${after.rejections - before.rejections} bytes`);
		const signals = await n8n.withLedger((ledger) => ledger.monitor.signals({ launch: SIGNUP_FLOOD_LAUNCH, windowMs: 3_600_000, now: Date.now() + 1 }));
		assert.deepEqual([signals.ingestion.refused, signals.ingestion.refusedNotKept], [100, 70]);
	});
});
