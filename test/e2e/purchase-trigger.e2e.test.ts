import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger } from '../../ledger';
import { openStore } from '../../ledger/store';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';

const TEST_WHSEC = 'whsec_e2e_real_n8n';
const WORKFLOW_ID = 'purchTrigE2e0001';
const PATH = 'stripe-purchases-e2e';
const TRIGGER = 'Purchase Webhook Trigger';

const workflow = {
	id: WORKFLOW_ID,
	name: 'Purchase Webhook Trigger e2e',
	nodes: [
		{
			id: 'f3a1c2d4-0000-4000-8000-000000000001',
			name: TRIGGER,
			type: 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: 'a6f0c1de-5b7e-4c39-9d0e-purchasee2e1',
			parameters: { path: PATH, provider: 'stripe', launch: 'default' },
			credentials: { stripeWebhookSecretApi: { id: 'stripeWhSecE2e01', name: 'Stripe e2e' } },
		},
		{ id: 'f3a1c2d4-0000-4000-8000-000000000002', name: 'Next Step', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
	],
	connections: { [TRIGGER]: { main: [[{ node: 'Next Step', type: 'main', index: 0 }]] } },
};

/**
 * A real n8n: the Stripe signature is checked over the bytes Stripe sent (n8n must not parse and
 * re-serialize the body), and a repeated event id is answered 200 without a second execution.
 */
describe('real n8n: Purchase Webhook Trigger (Stripe)', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({
			workflows: [workflow],
			credentials: [{ id: 'stripeWhSecE2e01', name: 'Stripe e2e', type: 'stripeWebhookSecretApi', data: { signingSecret: TEST_WHSEC } }],
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
});
