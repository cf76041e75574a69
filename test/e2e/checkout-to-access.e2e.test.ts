import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
	CHECKOUT_CREDENTIALS,
	DISCORD_GUILD,
	DISCORD_ROLE,
	KAJABI_OFFER_PATH,
	KIT_CUSTOMER_TAG,
	LEMON_TEST_SIGNING,
	STRIPE_TEST_WHSEC,
	checkoutTemplate,
	lemonThinkificTemplate,
} from '../support/checkout-template';
import { startE2eN8n, type E2eN8n, type ExecutionSummary, type VendorRequest } from '../support/n8n-e2e';
import { waitFor } from '../support/wait';
import { lemonSqueezy, stripe } from '../support/purchase-fixtures';

const STRIPE_WF = 'wlCheckoutAccess';
const LEMON_WF = 'wlCheckoutLemonT';
const LEMON_LAUNCH = 'lemon';
const REFUND_WINDOW_SECONDS = 6;
const DISCORD_USER = '80351110224678912';

function stripeSigned(payload: object): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify(payload);
	const t = Math.floor(Date.now() / 1000);
	return { body, headers: { 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', STRIPE_TEST_WHSEC).update(`${t}.${body}`).digest('hex')}` } };
}

function lemonSigned(payload: { meta: { event_name: string } }): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify(payload);
	return { body, headers: { 'X-Signature': createHmac('sha256', LEMON_TEST_SIGNING).update(body).digest('hex'), 'X-Event-Name': payload.meta.event_name } };
}

const calls = (n8n: E2eN8n, fake: VendorRequest['fake'], method: string, pathPattern: RegExp) =>
	n8n.vendorRequests().filter((r) => r.fake === fake && r.method === method && pathPattern.test(r.path));

describe('real n8n: the checkout-to-access templates (vendor fakes in the n8n process)', () => {
	let n8n: E2eN8n;
	// Kajabi answers 503 to everything while this file exists.
	const kajabiDown = join(tmpdir(), `wl-kajabi-down-${process.pid}`);


	/** Executions of a workflow that started at the given trigger (the schedule runs every few seconds besides). */
	const runsFrom = (workflowId: string, trigger: string): ExecutionSummary[] =>
		n8n.executions(workflowId).filter((e) => e.status !== 'running' && e.status !== 'new' && trigger in e.nodes);

	/** Waits until the schedule has run to the end `count` more times, so work a duplicate could have caused has had its chance. */
	async function scheduleRunsAfterNow(workflowId: string, count: number): Promise<void> {
		const seen = runsFrom(workflowId, 'Every minute').length;
		await waitFor(`${count} more scheduled runs of ${workflowId}`, () => (runsFrom(workflowId, 'Every minute').length >= seen + count ? true : undefined));
	}

	before(async () => {
		n8n = await startE2eN8n({
			workflows: [
				checkoutTemplate({ scheduleSeconds: 2, refundWindowSeconds: REFUND_WINDOW_SECONDS }),
				lemonThinkificTemplate({ scheduleSeconds: 2, refundWindowSeconds: REFUND_WINDOW_SECONDS, launch: LEMON_LAUNCH }),
			],
			credentials: CHECKOUT_CREDENTIALS,
			vendorFakes: { down: ['kajabi'], downFile: kajabiDown },
		});
		// Step 0 of each template ("Define the product"), as the user runs it once from the editor.
		await n8n.withLedger(async (ledger) => {
			await ledger.purchases.defineProduct({ launch: 'default', productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } });
			await ledger.purchases.defineProduct({ launch: LEMON_LAUNCH, productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { lemonsqueezy: ['42'] } });
		});
	});
	after(async () => {
		rmSync(kajabiDown, { force: true });
		await n8n?.stop();
	});

	let token = '';
	let contactId = '';

	it('the checkout link gives the buyer a token and redirects them to a Stripe Checkout Session that carries it', async () => {
		const res = await fetch(n8n.webhookUrl('checkout'), {
			method: 'POST',
			redirect: 'manual',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ email: 'ada@example.com' }).toString(),
		});
		assert.ok(res.status >= 300 && res.status < 400, `a redirect, got ${res.status}: ${await res.text()}`);
		assert.match(String(res.headers.get('location')), /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_\d+$/);
		const [session] = calls(n8n, 'stripe', 'POST', /^\/v1\/checkout\/sessions/);
		assert.ok(session, 'Stripe was asked for a Checkout Session');
		const form = Object.fromEntries(new URLSearchParams(String(session.body)));
		token = form.client_reference_id!;
		assert.match(token, /^wlt_[0-9a-f]{32}$/);
		assert.deepEqual([form.mode, form['metadata[wl_token]'], form.customer_email, form['line_items[0][price]']], ['payment', token, 'ada@example.com', 'price_1Course']);
		contactId = await n8n.withLedger(async (ledger) => (await ledger.contacts.find({ launch: 'default', kind: 'purchase_token', value: token }))!.id);
		assert.equal(await n8n.withLedger(async (ledger) => (await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'ada@example.com' }))?.id), contactId);
		// Ada connected her Discord account on the waitlist page (the template grants the role to this id).
		await n8n.withLedger((ledger) => ledger.contacts.link({ launch: 'default', contactId, kind: 'ext:discord', value: DISCORD_USER }));
	});

	it('checkout.session.completed delivered 3 times at once → one Kajabi activation, one Discord role, HubSpot customer, Kit tag, entry acked', async () => {
		// Paid with another email: the token still finds Ada, and the email is linked to her.
		const delivery = stripeSigned(stripe.checkoutCompleted('evt_e2e_paid', { token, email: 'ada.paid@example.com', customer: 'cus_e2e', order: 'pi_e2e', product: 'prod_course' }));
		const answers = await Promise.all([1, 2, 3].map(() => n8n.post('stripe-purchases', delivery.body, delivery.headers)));
		assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
		const statuses = (await Promise.all(answers.map((r) => r.json() as Promise<{ status: string }>))).map((b) => b.status).sort();
		assert.deepEqual(statuses, ['duplicate', 'duplicate', 'received']);

		const grant = await waitFor('the grant entry to be acked', () =>
			n8n.withLedger(async (ledger) => {
				const entries = await ledger.outbox.list({ launch: 'default', contactId });
				const g = entries.find((e) => e.kind === 'grant');
				return g?.status === 'done' ? g : undefined;
			}),
		);
		await scheduleRunsAfterNow(STRIPE_WF, 2);

		const activations = calls(n8n, 'kajabi', 'POST', new RegExp(`^${KAJABI_OFFER_PATH}/activate$`));
		assert.equal(activations.length, 1, 'exactly one activation reached Kajabi');
		assert.deepEqual(activations[0]!.body, { name: 'ada@example.com', email: 'ada@example.com', external_user_id: contactId });
		assert.equal(activations[0]!.headers['idempotency-key'], grant.idempotencyKey);
		const roles = calls(n8n, 'discord', 'PUT', new RegExp(`^/api/v10/guilds/${DISCORD_GUILD}/members/${DISCORD_USER}/roles/${DISCORD_ROLE}$`));
		assert.equal(roles.length, 1, 'exactly one Discord role added');
		const hubspot = calls(n8n, 'hubspot', 'POST', /^\/contacts\/v1\/contact\/createOrUpdate\/email\/ada(%40|@)example\.com/);
		assert.equal(hubspot.length, 1);
		assert.ok((hubspot[0]!.body as { properties: Array<{ property: string; value: string }> }).properties.some((p) => p.property === 'lifecyclestage' && p.value === 'customer'));
		const kit = calls(n8n, 'kit', 'POST', new RegExp(`^/v3/tags/${KIT_CUSTOMER_TAG}/subscribe`));
		assert.deepEqual(kit.map((r) => (r.body as { email: string }).email), ['ada@example.com']);

		const paidRuns = runsFrom(STRIPE_WF, 'Stripe webhook');
		assert.equal(paidRuns.length, 1, 'the repeated deliveries started no execution');
		assert.deepEqual(paidRuns[0]!.nodes['Match purchase']![0]!.map((d) => (d as { matchedBy: string }).matchedBy), ['token']);
		await n8n.withLedger(async (ledger) => {
			assert.equal((await ledger.purchases.access({ launch: 'default', contactId, productId: 'course' }))?.state, 'granted');
			assert.equal((await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'ada.paid@example.com' }))?.id, contactId, 'the email paid with is linked');
		});
	});

	it('a refund (charge.refunded) keeps access during the window, then revokes once: Kajabi deactivation and the Discord role removed', async () => {
		const refund = stripeSigned(stripe.chargeRefunded('evt_e2e_refund', { order: 'pi_e2e', email: 'ada.paid@example.com', customer: 'cus_e2e' }));
		assert.equal((await n8n.post('stripe-purchases', refund.body, refund.headers)).status, 200);
		const refundRun = await waitFor('the refund to be matched', () => runsFrom(STRIPE_WF, 'Stripe webhook').find((e) => e.nodes['Match purchase']?.[2]?.length));
		const decided = refundRun.nodes['Match purchase']![2]![0] as { reason: string; accessState: string; revokeAfter: string };
		assert.deepEqual([decided.reason, decided.accessState], ['refunded', 'revoke_pending'], 'access stays during the refund window');

		const revoke = await waitFor('the revoke entry to be acked', () =>
			n8n.withLedger(async (ledger) => {
				const entries = await ledger.outbox.list({ launch: 'default', contactId });
				const r = entries.find((e) => e.kind === 'revoke');
				return r?.status === 'done' ? r : undefined;
			}),
		);
		assert.ok(revoke.createdAt >= Date.parse(decided.revokeAfter), 'revoked only once the window was over');
		await scheduleRunsAfterNow(STRIPE_WF, 2);
		assert.equal(calls(n8n, 'kajabi', 'POST', new RegExp(`^${KAJABI_OFFER_PATH}/deactivate$`)).length, 1, 'exactly one deactivation');
		assert.equal(calls(n8n, 'discord', 'DELETE', new RegExp(`/members/${DISCORD_USER}/roles/${DISCORD_ROLE}$`)).length, 1, 'the role removed once');
		assert.equal(calls(n8n, 'kajabi', 'POST', /\/activate$/).length, 1, 'no second activation');
		await n8n.withLedger(async (ledger) => {
			assert.equal((await ledger.purchases.access({ launch: 'default', contactId, productId: 'course' }))?.state, 'revoked');
			assert.deepEqual((await ledger.outbox.list({ launch: 'default', contactId })).map((e) => [e.kind, e.status]), [['grant', 'done'], ['revoke', 'done']]);
		});
	});

	it('bad input: an amount or currency that does not fit the product, or an unknown product → Review, nothing delivered', async () => {
		const { contactId: bea } = await n8n.withLedger((ledger) => ledger.contacts.upsert({ launch: 'default', email: 'bea@example.com' }));
		const cases = [
			{ id: 'evt_e2e_cheap', o: { amount: 100, order: 'pi_cheap' }, reason: 'amount_mismatch' },
			{ id: 'evt_e2e_eur', o: { currency: 'eur', order: 'pi_eur' }, reason: 'currency_mismatch' },
			{ id: 'evt_e2e_unknown', o: { product: 'prod_nobody_sells', order: 'pi_unknown' }, reason: 'unknown_product' },
		];
		const before = n8n.vendorRequests().length;
		for (const c of cases) {
			const d = stripeSigned(stripe.checkoutCompleted(c.id, { email: 'bea@example.com', customer: `cus_${c.id}`, product: 'prod_course', ...c.o }));
			assert.equal((await n8n.post('stripe-purchases', d.body, d.headers)).status, 200);
		}
		const reviews = await waitFor('three purchases on the Review output', () => {
			const items = runsFrom(STRIPE_WF, 'Stripe webhook').flatMap((e) => (e.nodes['Match purchase']?.[3] ?? []) as Array<{ reason: string; eventId: string; reviewId: string }>);
			return items.length >= 3 ? items : undefined;
		});
		assert.deepEqual(reviews.map((r) => [r.eventId, r.reason]).sort(), cases.map((c) => [c.id, c.reason]).sort());
		await scheduleRunsAfterNow(STRIPE_WF, 1);
		assert.deepEqual(n8n.vendorRequests().slice(before), [], 'no vendor was called');
		await n8n.withLedger(async (ledger) => {
			assert.deepEqual(await ledger.outbox.list({ launch: 'default', contactId: bea }), []);
			const open = await ledger.review.list('default', { status: 'open' });
			assert.deepEqual(open.filter((r) => r.kind === 'purchase').map((r) => r.reason).sort(), ['amount_mismatch', 'currency_mismatch', 'unknown_product']);
		});
	});

	it('Kajabi down: the grant fails into the ledger (kept, retried later); once Kajabi is back the schedule delivers it once', async () => {
		const { dee, deeToken } = await n8n.withLedger(async (ledger) => {
			const { contactId: id } = await ledger.contacts.upsert({ launch: 'default', email: 'dee@example.com' });
			return { dee: id, deeToken: (await ledger.purchases.createCheckoutToken({ launch: 'default', contactId: id })).token };
		});
		writeFileSync(kajabiDown, 'down');
		const paid = stripeSigned(stripe.checkoutCompleted('evt_e2e_down', { token: deeToken, email: 'dee@example.com', customer: 'cus_dee', order: 'pi_dee', product: 'prod_course' }));
		assert.equal((await n8n.post('stripe-purchases', paid.body, paid.headers)).status, 200);
		const failed = await waitFor('the grant to fail into the ledger', () =>
			n8n.withLedger(async (ledger) => (await ledger.outbox.list({ launch: 'default', contactId: dee })).find((e) => e.kind === 'grant' && e.status === 'failed')),
		);
		assert.match(String(failed.lastError), /503|down|Service Unavailable/i);
		const deeActivations = () => calls(n8n, 'kajabi', 'POST', /\/activate$/).filter((r) => (r.body as { email: string }).email === 'dee@example.com');
		assert.deepEqual(deeActivations().map((r) => r.outcome), ['failed']);
		assert.equal(calls(n8n, 'discord', 'PUT', /roles/).length, 1, 'nothing after Kajabi ran for Dee (Ada\'s role only)');

		rmSync(kajabiDown, { force: true });
		await waitFor('the retried grant to be acked', () =>
			n8n.withLedger(async (ledger) => ((await ledger.outbox.list({ launch: 'default', contactId: dee })).some((e) => e.kind === 'grant' && e.status === 'done') ? true : undefined)),
		);
		await scheduleRunsAfterNow(STRIPE_WF, 2);
		assert.deepEqual(deeActivations().map((r) => r.outcome), ['failed', 'ok'], 'one failed call, then one delivery');
		assert.equal(calls(n8n, 'kit', 'POST', /^\/v3\/tags\//).filter((r) => (r.body as { email: string }).email === 'dee@example.com').length, 1);
	});

	it('Lemon Squeezy → Thinkific: checkout with custom data, order_created twice → one user and one enrollment; a refund expires it once after the window', async () => {
		const res = await fetch(n8n.webhookUrl('checkout-lemonsqueezy'), {
			method: 'POST',
			redirect: 'manual',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: 'cy@example.com' }),
		});
		assert.ok(res.status >= 300 && res.status < 400, `a redirect, got ${res.status}: ${await res.text()}`);
		assert.match(String(res.headers.get('location')), /^https:\/\/store\.lemonsqueezy\.com\/checkout\/custom\/ls-\d+$/);
		const [checkout] = calls(n8n, 'lemonsqueezy', 'POST', /^\/v1\/checkouts/);
		const attributes = (checkout!.body as { data: { attributes: { checkout_data: { email: string; custom: { wl_token: string } } } } }).data.attributes;
		const lsToken = attributes.checkout_data.custom.wl_token;
		assert.match(lsToken, /^wlt_/);
		assert.equal(attributes.checkout_data.email, 'cy@example.com');

		const order = lemonSigned(lemonSqueezy.order('order_created', { token: lsToken, email: 'cy@example.com', order: '5001', customer: '71' }));
		const answers = await Promise.all([1, 2].map(() => n8n.post('lemonsqueezy-purchases', order.body, order.headers)));
		assert.deepEqual(answers.map((r) => r.status), [200, 200]);
		await waitFor('the Thinkific enrollment', () => (calls(n8n, 'thinkific', 'POST', /\/enrollments$/).length > 0 ? true : undefined));
		const cy = await n8n.withLedger(async (ledger) => (await ledger.contacts.find({ launch: LEMON_LAUNCH, kind: 'purchase_token', value: lsToken }))!.id);
		await waitFor('the Lemon Squeezy grant to be acked', () =>
			n8n.withLedger(async (ledger) => ((await ledger.outbox.list({ launch: LEMON_LAUNCH, contactId: cy })).some((e) => e.kind === 'grant' && e.status === 'done') ? true : undefined)),
		);
		await scheduleRunsAfterNow(LEMON_WF, 2);
		assert.equal(calls(n8n, 'thinkific', 'POST', /\/users$/).length, 1, 'one Thinkific user');
		const enrollments = calls(n8n, 'thinkific', 'POST', /\/enrollments$/);
		assert.equal(enrollments.length, 1, 'one enrollment');
		assert.deepEqual([(enrollments[0]!.body as { course_id: string }).course_id, (enrollments[0]!.body as { user_id: number }).user_id], ['777', 100]);
		assert.deepEqual(
			calls(n8n, 'kajabi', 'POST', /\/activate$/).filter((r) => (r.body as { email: string }).email === 'cy@example.com'),
			[],
			'the Stripe template did not pick up the Lemon Squeezy grant',
		);

		const refund = lemonSigned(lemonSqueezy.order('order_refunded', { token: lsToken, email: 'cy@example.com', order: '5001', customer: '71' }));
		assert.equal((await n8n.post('lemonsqueezy-purchases', refund.body, refund.headers)).status, 200);
		await waitFor('the enrollment to be expired', () => (calls(n8n, 'thinkific', 'PUT', /\/enrollments\/\d+$/).length > 0 ? true : undefined));
		await waitFor('the Lemon Squeezy revoke to be acked', () =>
			n8n.withLedger(async (ledger) => ((await ledger.outbox.list({ launch: LEMON_LAUNCH, contactId: cy })).some((e) => e.kind === 'revoke' && e.status === 'done') ? true : undefined)),
		);
		await scheduleRunsAfterNow(LEMON_WF, 2);
		assert.equal(calls(n8n, 'thinkific', 'PUT', /\/enrollments\/\d+$/).length, 1, 'expired once');
	});
});
