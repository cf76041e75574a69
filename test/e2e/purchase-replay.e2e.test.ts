/**
 * Real n8n: a Stripe payment whose run fails before Match purchase (the provider already got its
 * 200 and will not send it again) is matched later by the template's schedule — Purchase Match →
 * Replay Unprocessed Deliveries — and reaches the delivery fakes exactly once.
 *
 * The failure is injected in a test-only copy of workflows/checkout-to-access.json: an If node
 * between "Stripe webhook" and "Match purchase" sends the one delivery with event id
 * evt_e2e_lost to a Stop and Error node, as a step that breaks (or a worker that dies) would end
 * that run. Everything else is the template as shipped, with a 2-second schedule and a replay
 * threshold of 0.1 minutes instead of 10.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { CHECKOUT_CREDENTIALS, DISCORD_GUILD, DISCORD_ROLE, KAJABI_OFFER_PATH, STRIPE_TEST_WHSEC, checkoutTemplate } from '../support/checkout-template';
import { startE2eN8n, type E2eN8n, type ExecutionSummary } from '../support/n8n-e2e';
import { waitFor } from '../support/wait';
import { stripe } from '../support/purchase-fixtures';
import type { TemplateJson } from '../support/signup-template';

const WF = 'wlCheckoutAccess';
const LOST_EVENT = 'evt_e2e_lost';
const CRASH_MESSAGE = 'Test only: this run stops before Match purchase';
const DISCORD_USER = '80351110224678912';

/** A node as the workflow JSON has it (TemplateJson names only the fields the templates' helpers change). */
type WorkflowNode = TemplateJson['nodes'][number] & { id: string; typeVersion: number; position: [number, number] };

/** The shipped template with a failure for one delivery between the trigger and Match purchase. */
function templateFailingOneDelivery(): TemplateJson {
	const wf = checkoutTemplate({ scheduleSeconds: 2, replayAfterMinutes: 0.1 });
	const nodes = wf.nodes as WorkflowNode[];
	const [x, y] = nodes.find((n) => n.name === 'Stripe webhook')!.position;
	nodes.push(
		{
			id: 'e2e00001-0000-4000-8000-00000000f001',
			name: 'Test only: fail this delivery?',
			type: 'n8n-nodes-base.if',
			typeVersion: 2.2,
			position: [x + 120, y + 200],
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
					conditions: [{ id: 'e2e00001-0000-4000-8000-00000000c001', leftValue: '={{ $json.eventId }}', rightValue: LOST_EVENT, operator: { type: 'string', operation: 'equals' } }],
					combinator: 'and',
				},
				options: {},
			},
		},
		{
			id: 'e2e00001-0000-4000-8000-00000000f002',
			name: 'Test only: crash',
			type: 'n8n-nodes-base.stopAndError',
			typeVersion: 1,
			position: [x + 360, y + 300],
			parameters: { errorType: 'errorMessage', errorMessage: CRASH_MESSAGE },
		},
	);
	const connections = wf.connections as Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;
	const toMatch = connections['Stripe webhook']!.main[0]!;
	assert.deepEqual(toMatch.map((c) => c.node), ['Match purchase'], 'the template still goes straight from the trigger to Match purchase');
	connections['Stripe webhook'] = { main: [[{ node: 'Test only: fail this delivery?', type: 'main', index: 0 }]] };
	connections['Test only: fail this delivery?'] = {
		main: [[{ node: 'Test only: crash', type: 'main', index: 0 }], [{ node: 'Match purchase', type: 'main', index: 0 }]],
	};
	return wf;
}

function stripeSigned(payload: object): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify(payload);
	const t = Math.floor(Date.now() / 1000);
	return { body, headers: { 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', STRIPE_TEST_WHSEC).update(`${t}.${body}`).digest('hex')}` } };
}

describe('real n8n: a payment whose run failed before Match purchase is replayed by the schedule, once', () => {
	let n8n: E2eN8n;

	const runsFrom = (trigger: string): ExecutionSummary[] => n8n.executions(WF).filter((e) => e.status !== 'running' && e.status !== 'new' && trigger in e.nodes);
	const activationsFor = (email: string) =>
		n8n.vendorRequests().filter((r) => r.fake === 'kajabi' && r.method === 'POST' && r.path === `${KAJABI_OFFER_PATH}/activate` && (r.body as { email?: string }).email === email);

	before(async () => {
		n8n = await startE2eN8n({ workflows: [templateFailingOneDelivery()], credentials: CHECKOUT_CREDENTIALS, vendorFakes: {} });
		await n8n.withLedger((ledger) => ledger.purchases.defineProduct({ launch: 'default', productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } }));
	});
	after(async () => n8n?.stop());

	it('the failed run grants nothing; the schedule matches the payment after the threshold; Kajabi and Discord are called once; a payment whose run went fine is not replayed', async () => {
		const { ada, bea, adaToken, beaToken } = await n8n.withLedger(async (ledger) => {
			const adaId = (await ledger.contacts.upsert({ launch: 'default', email: 'ada@example.com' })).contactId;
			await ledger.contacts.link({ launch: 'default', contactId: adaId, kind: 'ext:discord', value: DISCORD_USER });
			const beaId = (await ledger.contacts.upsert({ launch: 'default', email: 'bea@example.com' })).contactId;
			return {
				ada: adaId,
				bea: beaId,
				adaToken: (await ledger.purchases.createCheckoutToken({ launch: 'default', contactId: adaId })).token,
				beaToken: (await ledger.purchases.createCheckoutToken({ launch: 'default', contactId: beaId })).token,
			};
		});

		// Ada's payment: Stripe gets its 200, then the run stops before Match purchase.
		const lost = stripeSigned(stripe.checkoutCompleted(LOST_EVENT, { token: adaToken, email: 'ada@example.com', customer: 'cus_ada', order: 'pi_ada', product: 'prod_course' }));
		const lostAnswer = await n8n.post('stripe-purchases', lost.body, lost.headers);
		assert.equal(lostAnswer.status, 200);
		const { inboxId } = (await lostAnswer.json()) as { inboxId: string; status: string };
		// Bea's payment runs normally.
		const fine = stripeSigned(stripe.checkoutCompleted('evt_e2e_fine', { token: beaToken, email: 'bea@example.com', customer: 'cus_bea', order: 'pi_bea', product: 'prod_course' }));
		assert.equal((await n8n.post('stripe-purchases', fine.body, fine.headers)).status, 200);

		const failed = await waitFor('the failed run', () => runsFrom('Stripe webhook').find((e) => e.status === 'error'));
		assert.equal(failed.errors['Test only: crash'], CRASH_MESSAGE);
		assert.equal('Match purchase' in failed.nodes, false, 'the failed run never reached Match purchase');

		const grantDone = (contactId: string) =>
			n8n.withLedger(async (ledger) => {
				const grant = (await ledger.outbox.list({ launch: 'default', contactId })).find((e) => e.kind === 'grant');
				return grant?.status === 'done' ? grant : undefined;
			});
		await waitFor('Bea\'s grant to be delivered by her own run', () => grantDone(bea));
		const adaGrant = await waitFor('Ada\'s grant to be delivered after the replay', () => grantDone(ada));
		// Let the schedule run a few more times: a second replay or delivery would show now.
		const seen = runsFrom('Every minute').length;
		await waitFor('3 more scheduled runs', () => (runsFrom('Every minute').length >= seen + 3 ? true : undefined));

		const replayedGrants = runsFrom('Every minute').flatMap((e) => (e.nodes['Replay unprocessed payments']?.[0] ?? []) as Array<{ inboxId: string; contactId: string; replayed: boolean }>);
		assert.deepEqual(
			replayedGrants.map((g) => [g.inboxId, g.contactId, g.replayed]),
			[[inboxId, ada, true]],
			'Ada\'s payment was replayed once, Bea\'s (matched by its own run) never',
		);
		const activations = activationsFor('ada@example.com');
		assert.equal(activations.length, 1, 'exactly one activation reached Kajabi for Ada');
		assert.equal(activations[0]!.headers['idempotency-key'], adaGrant.idempotencyKey);
		assert.equal(activationsFor('bea@example.com').length, 1, 'and one for Bea');
		const roles = n8n
			.vendorRequests()
			.filter((r) => r.fake === 'discord' && r.method === 'PUT' && r.path === `/api/v10/guilds/${DISCORD_GUILD}/members/${DISCORD_USER}/roles/${DISCORD_ROLE}`);
		assert.equal(roles.length, 1, 'exactly one Discord role added');
		await n8n.withLedger(async (ledger) => {
			assert.equal((await ledger.purchases.inboxEntry(inboxId))?.status, 'processed');
			assert.equal((await ledger.purchases.access({ launch: 'default', contactId: ada, productId: 'course' }))?.state, 'granted');
			assert.deepEqual((await ledger.outbox.list({ launch: 'default', contactId: ada })).filter((e) => e.kind === 'grant').length, 1);
		});
	});
});
