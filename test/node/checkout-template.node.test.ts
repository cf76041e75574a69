import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';

import nock from 'nock';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { DISCORD_GUILD, DISCORD_ROLE, KAJABI_OFFER_PATH, KIT_CUSTOMER_TAG, STRIPE_TEST_WHSEC, checkoutTemplate } from '../support/checkout-template';
import { startHangingVendor } from '../support/hanging-vendor';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

const TRIGGER = 'Stripe webhook';
const DISCORD_USER = '80351110224678912';

/** Vendor credentials as a user fills them in. */
const VENDOR_CREDENTIALS = {
	stripeWebhookSecretApi: { signingSecret: STRIPE_TEST_WHSEC },
	discordBotApi: { botToken: 'discord-token' },
	hubspotAppToken: { appToken: 'hs-token' },
	convertKitApi: { apiSecret: 'kit-secret' },
};

function signed(payload: object): { body: object; rawBody: Buffer; headers: Record<string, string> } {
	const raw = JSON.stringify(payload);
	const t = Math.floor(Date.now() / 1000);
	return { body: payload, rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json', 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', STRIPE_TEST_WHSEC).update(`${t}.${raw}`).digest('hex')}` } };
}

for (const driver of DRIVERS) {
	describe(`[${driver}] checkout-to-access template in-process: Stripe webhook → Purchase Match → Access Outbox → Kajabi / Discord / HubSpot / Kit (vendor APIs faked with nock)`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		// Refund window 0: a refund revokes in the same run (the e2e test covers a window and the schedule).
		const template = checkoutTemplate({ refundWindowSeconds: 0 }) as unknown as WorkflowJson;
		const deliver = (payload: object) =>
			runWebhook(template, { node: TRIGGER, request: signed(payload), credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
			await ledger.purchases.defineProduct({ launch: 'default', productId: 'course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } });
			nock.disableNetConnect();
		});
		afterEach(() => nock.cleanAll());
		after(async () => {
			nock.enableNetConnect();
			await closeAllLedgers();
			await db.drop();
		});

		it('a paid checkout grants once: Kajabi activation, Discord role, HubSpot customer, Kit tag, acked; the repeat delivery starts nothing', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch: 'default', email: 'ada@example.com' });
			await ledger.contacts.link({ launch: 'default', contactId, kind: 'ext:discord', value: DISCORD_USER });
			const { token } = await ledger.purchases.createCheckoutToken({ launch: 'default', contactId });
			const kajabiBodies: unknown[] = [];
			const kajabi = nock('https://app.kajabi.com').post(`${KAJABI_OFFER_PATH}/activate`, (body: unknown) => kajabiBodies.push(body) > 0).reply(200, { status: 'ok' });
			const discord = nock('https://discord.com').put(`/api/v10/guilds/${DISCORD_GUILD}/members/${DISCORD_USER}/roles/${DISCORD_ROLE}`).reply(204);
			const hubspot = nock('https://api.hubapi.com')
				.post(/\/contacts\/v1\/contact\/createOrUpdate\/email\/ada(%40|@)example\.com/, (body: { properties: Array<{ property: string; value: string }> }) =>
					body.properties.some((p) => p.property === 'lifecyclestage' && p.value === 'customer'),
				)
				.reply(200, { vid: 9001, isNew: false });
			const kit = nock('https://api.convertkit.com').post(`/v3/tags/${KIT_CUSTOMER_TAG}/subscribe`, (body: { email: string }) => body.email === 'ada@example.com').query(true).reply(200, { subscription: { id: 1 } });

			const payment = stripe.checkoutCompleted('evt_tpl_paid', { token, email: 'ada.paid@example.com', customer: 'cus_tpl', order: 'pi_tpl', product: 'prod_course' });
			const first = await deliver(payment);
			assert.equal(first.response.status, 200);
			const run = first.workflow!;
			assert.deepEqual(run.output('Match purchase', 0).map((d) => [d.decision, d.matchedBy, d.contactId]), [['grant', 'token', contactId]]);
			assert.deepEqual(run.output('Ledger: delivered').map((a) => a.outcome), ['done'], JSON.stringify(run.nodes, null, 1).slice(0, 2000));
			assert.ok(kajabi.isDone() && discord.isDone() && hubspot.isDone() && kit.isDone(), 'every vendor was called');
			assert.deepEqual(kajabiBodies, [{ name: 'ada@example.com', email: 'ada@example.com', external_user_id: contactId }]);

			const again = await deliver(payment);
			assert.deepEqual([again.response.status, (again.response.body as { status: string }).status, again.workflow], [200, 'duplicate', undefined]);
			assert.deepEqual((await ledger.outbox.list({ launch: 'default', contactId })).map((e) => [e.kind, e.status]), [['grant', 'done']]);
		});

		it('a refund revokes: Kajabi deactivation and the Discord role removed, acked', async () => {
			const contact = await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'ada@example.com' });
			const kajabi = nock('https://app.kajabi.com').post(`${KAJABI_OFFER_PATH}/deactivate`).reply(200, { status: 'ok' });
			const discord = nock('https://discord.com').delete(`/api/v10/guilds/${DISCORD_GUILD}/members/${DISCORD_USER}/roles/${DISCORD_ROLE}`).reply(204);
			const refund = await deliver(stripe.chargeRefunded('evt_tpl_refund', { order: 'pi_tpl' }));
			const run = refund.workflow!;
			assert.deepEqual(run.output('Match purchase', 1).map((d) => [d.decision, d.reason]), [['revoke', 'refunded']]);
			assert.deepEqual(run.output('Ledger: revoked').map((a) => a.outcome), ['done']);
			assert.ok(kajabi.isDone() && discord.isDone());
			assert.deepEqual((await ledger.outbox.list({ launch: 'default', contactId: contact!.id })).map((e) => [e.kind, e.status]), [['grant', 'done'], ['revoke', 'done']]);
		});

		it('a payment whose run failed before Match purchase is matched by the schedule (Replay unprocessed payments) after 10 minutes and delivered once', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch: 'default', email: 'cy@example.com' });
			const { token } = await ledger.purchases.createCheckoutToken({ launch: 'default', contactId });
			// What Stripe webhook kept (and answered 200 for) eleven minutes ago; the run it started never reached Match purchase.
			const at = Date.now() - 11 * 60_000;
			const payment = stripe.checkoutCompleted('evt_tpl_lost', { token, email: 'cy@example.com', customer: 'cus_cy', order: 'pi_cy', product: 'prod_course' });
			const kept = await ledger.purchases.receive({ launch: 'default', provider: 'stripe', secret: STRIPE_TEST_WHSEC, now: at, ...stripeSign(JSON.stringify(payment), STRIPE_TEST_WHSEC, at) });
			assert.equal(kept.status, 'received');
			const kajabi = nock('https://app.kajabi.com').post(`${KAJABI_OFFER_PATH}/activate`, (body: { email: string }) => body.email === 'cy@example.com').reply(200, { status: 'ok' });
			const hubspot = nock('https://api.hubapi.com').post(/\/contacts\/v1\/contact\/createOrUpdate\/email\/cy(%40|@)example\.com/).reply(200, { vid: 9002, isNew: false });
			const kit = nock('https://api.convertkit.com').post(`/v3/tags/${KIT_CUSTOMER_TAG}/subscribe`).query(true).reply(200, { subscription: { id: 2 } });
			const everyMinute = () =>
				runWorkflow(template, { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });

			const run = await everyMinute();
			assert.deepEqual(run.output('Replay unprocessed payments', 0).map((d) => [d.decision, d.matchedBy, d.contactId, d.inboxId, d.replayed]), [['grant', 'token', contactId, kept.id, true]]);
			assert.deepEqual(run.output('Ledger: delivered').map((a) => a.outcome), ['done']);
			assert.ok(kajabi.isDone() && hubspot.isDone() && kit.isDone(), 'Kajabi, HubSpot and Kit were called');
			assert.equal((await ledger.purchases.inboxEntry(kept.id))?.status, 'processed');

			const next = await everyMinute();
			assert.deepEqual([0, 1, 2, 3].flatMap((o) => next.output('Replay unprocessed payments', o)), [], 'the next minute finds nothing to replay');
			assert.deepEqual((await ledger.outbox.list({ launch: 'default', contactId })).map((e) => [e.kind, e.status]), [['grant', 'done']]);
		});

		it('a vendor failure goes through the error output into the ledger: the grant is kept, failed, with the error, for a retry', async () => {
			const { contactId } = await ledger.contacts.upsert({ launch: 'default', email: 'bo@example.com' });
			const { token } = await ledger.purchases.createCheckoutToken({ launch: 'default', contactId });
			nock('https://app.kajabi.com').post(`${KAJABI_OFFER_PATH}/activate`).reply(503, { error: 'maintenance' });
			const result = await deliver(stripe.checkoutCompleted('evt_tpl_down', { token, email: 'bo@example.com', customer: 'cus_bo', order: 'pi_bo', product: 'prod_course' }));
			const run = result.workflow!;
			assert.deepEqual(run.output('Ledger: delivery failed').map((f) => f.outcome), ['retry']);
			assert.equal(run.ran('Discord: add course role'), false);
			const [entry] = await ledger.outbox.list({ launch: 'default', contactId });
			assert.deepEqual([entry?.kind, entry?.status], ['grant', 'failed']);
			// The step, the status and the vendor's own answer.
			assert.match(entry!.lastError ?? '', /^Kajabi: activate offer: .*503.*maintenance/);
		});

		it('a vendor that never answers: the step gives up after 10 s and the grant is failed with "timed out after 10 s", for a retry', async () => {
			const hang = await startHangingVendor();
			nock.enableNetConnect('127.0.0.1');
			try {
				const { contactId } = await ledger.contacts.upsert({ launch: 'default', email: 'di@example.com' });
				const { token } = await ledger.purchases.createCheckoutToken({ launch: 'default', contactId });
				const hanging = JSON.parse(JSON.stringify(template)) as WorkflowJson;
				const kajabi = hanging.nodes.find((n) => n.name === 'Kajabi: activate offer')!;
				kajabi.parameters.url = `${hang.url}/activate`;
				const payment = stripe.checkoutCompleted('evt_tpl_hang', { token, email: 'di@example.com', customer: 'cus_di', order: 'pi_di', product: 'prod_course' });
				const result = await runWebhook(hanging, { node: TRIGGER, request: signed(payment), credentials: { ...ledgerCredentialFor(db.config), ...VENDOR_CREDENTIALS } });
				assert.deepEqual(result.workflow!.output('Ledger: delivery failed').map((f) => f.outcome), ['retry']);
				const [entry] = await ledger.outbox.list({ launch: 'default', contactId });
				assert.deepEqual([entry?.kind, entry?.status, entry?.lastError], ['grant', 'failed', 'Kajabi: activate offer: timed out after 10 s (no answer; retried later)']);
				assert.equal(hang.requests.length, 1);
			} finally {
				nock.disableNetConnect();
				await hang.close();
			}
		});

		it('an unmatched payment goes to Review (posted to Slack) and nothing is delivered', async () => {
			const slack = nock('https://hooks.slack.com').post('/services/REPLACE/WITH/YOURS').reply(200, 'ok');
			const result = await deliver(stripe.checkoutCompleted('evt_tpl_stranger', { email: 'stranger@example.com', customer: 'cus_stranger', order: 'pi_stranger', product: 'prod_course' }));
			const run = result.workflow!;
			assert.deepEqual(run.output('Match purchase', 3).map((r) => [r.decision, r.reason]), [['review', 'no_contact_match']]);
			assert.ok(slack.isDone(), 'posted to Slack (test/node/review-alerts.node.test.ts checks the message)');
			assert.equal(run.ran('Access Outbox: claim access work'), false);
		});
	});
}
