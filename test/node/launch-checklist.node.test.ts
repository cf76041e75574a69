import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { testLaunchLeftovers } from '../../ledger/internal';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { actionWorkflow } from '../support/action-workflow';
import { checkoutTemplate, STRIPE_TEST_WHSEC } from '../support/checkout-template';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { fakeChecklistVendors, type ChecklistVendors } from '../support/checklist-vendors';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { signupTemplate } from '../support/signup-template';
import { freshDatabase, type TestDatabase } from '../support/stores';
import { startWebhookServer, type WebhookServer } from '../support/webhook-server';

/*
 * Issue 16: the Launch Checklist node in-process. Its steps reach the pack's own webhooks over HTTP
 * (a local server in front of the real triggers: the signup template, the Stripe checkout template,
 * the kill switch page) and read Kit and HubSpot (nock fakes that keep what they are sent).
 */

const NODE = 'Launch Checklist';
const KIT = { apiSecret: 'kit-secret' };
const HUBSPOT = { appToken: 'hs-token' };
const SOURCES = 'instagram / social / spring-launch\nnewsletter / email / spring-launch';

describe('Launch Checklist node: a dry run through the real webhooks, each planted fault with its own fix, then Clean Up', () => {
	let db: TestDatabase;
	let ledger: Ledger;
	let vendors: ChecklistVendors;
	let server: WebhookServer;
	let pagePassword = true;
	const ledgerCredential = () => ledgerCredentialFor(db.config);
	const vendorCredentials = { convertKitApi: KIT, hubspotAppToken: HUBSPOT, stripeWebhookSecretApi: { signingSecret: STRIPE_TEST_WHSEC }, discordBotApi: { botToken: 'discord-token' } };

	before(async () => {
		db = await freshDatabase('sqlite');
		ledger = await getLedger(db.config);
		await ledger.purchases.defineProduct({ launch: 'default', productId: 'course', amount: 5900, currency: 'USD' });
		// The tags the launch's automations start on; the Kit fake has both.
		await ledger.tags.add({ launch: 'default', tag: 'customer', kind: 'behaviour' });
		await ledger.tags.add({ launch: 'default', tag: 'early-bird', kind: 'segment' });
		nock.disableNetConnect();
		nock.enableNetConnect('127.0.0.1');
		vendors = fakeChecklistVendors();
		const killSwitch = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'kill-switch.json'), 'utf8')) as WorkflowJson;
		server = await startWebhookServer([
			{ path: 'waitlist-signup', workflow: signupTemplate() as unknown as WorkflowJson, node: 'Waitlist Capture Trigger', credentials: () => ({ ...ledgerCredential(), ...vendorCredentials }) },
			{ path: 'stripe-purchases', workflow: checkoutTemplate({ refundWindowSeconds: 0 }) as unknown as WorkflowJson, node: 'Stripe webhook', credentials: () => ({ ...ledgerCredential(), ...vendorCredentials }) },
			{
				path: 'waitlist-kill-switch',
				workflow: killSwitch,
				node: 'Kill switch page',
				credentials: () => ({ ...ledgerCredential(), ...(pagePassword ? { httpBasicAuth: { user: 'launch-ops', password: 'a-long-launch-password' } } : {}) }),
			},
		]);
	});
	after(async () => {
		await server?.close();
		nock.cleanAll();
		nock.enableNetConnect();
		await closeAllLedgers();
		await db?.drop();
	});

	/** One Launch Checklist run: its output item, or the error it stopped with. */
	async function checklist(parameters: IDataObject, credentials: IDataObject = vendorCredentials): Promise<{ json: IDataObject; error?: string }> {
		const wf = actionWorkflow({ name: NODE, type: 'launchChecklist', parameters: { launch: 'default', testEmail: 'ada@yourdomain.test', waitSeconds: 5, ...parameters } });
		const result = await runWorkflow(wf, { trigger: { node: 'Start', items: [{ json: {} }] }, credentials: { ...ledgerCredential(), ...(credentials as Record<string, IDataObject>) } as never });
		const error = result.error(NODE);
		return { json: result.output(NODE)[0] ?? {}, error: error ? `${error.message} — ${error.description ?? ''}` : undefined };
	}
	const step = (runId: string, name: string, extra: IDataObject = {}) => checklist({ operation: 'runStep', runId, step: name, ...extra });
	const utm = (runId: string) => step(runId, 'utm_capture', { captureUrl: server.url('waitlist-signup'), sources: SOURCES });
	const purchase = (runId: string, credentials?: IDataObject) =>
		checklist({ operation: 'runStep', runId, step: 'purchase_flow', webhookUrl: server.url('stripe-purchases'), productId: 'course', amount: 5900, currency: 'USD' }, credentials);
	const edge = (runId: string, waitSeconds = 6) =>
		checklist({ operation: 'runStep', runId, step: 'edge_cases', webhookUrl: server.url('stripe-purchases'), productId: 'course', amount: 5900, currency: 'USD', waitSeconds });
	/** The checkout template's schedule: replays unprocessed payments and drains grants and revokes. */
	const everyMinute = () => runWorkflow(checkoutTemplate({ refundWindowSeconds: 0 }) as unknown as WorkflowJson, { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredential(), ...vendorCredentials } as never });
	const drill = (runId: string) => step(runId, 'rollback_drill', { killSwitchUrl: server.url('waitlist-kill-switch') });
	const tagCheck = (runId: string, launch = 'default') => step(runId, 'tag_vocabulary', { launch });
	const SLACK = 'https://hooks.slack.com/services/T0LAUNCH/B0ALERTS/checklist';
	const alerts = (runId: string, alertWebhookUrl = SLACK) => step(runId, 'monitoring', { alertWebhookUrl });

	let dryRunId = '';

	it('a dry run passes UTM capture (ledger, Kit, HubSpot field by field), the tag vocabulary, the signed test purchase (webhook → match → grant → delivery), the monitoring alerts and the rollback drill', async () => {
		const first = await utm('');
		assert.equal(first.error, undefined);
		assert.equal(first.json.status, 'passed', JSON.stringify(first.json, null, 1));
		dryRunId = String(first.json.runId);
		assert.match(dryRunId, /^ck_/);
		assert.equal(first.json.testLaunch, `default--checklist-${dryRunId}`);
		const sources = (first.json.evidence as { sources: Array<{ email: string; kit: { fields: IDataObject }; hubspot: { fields: IDataObject } }> }).sources;
		assert.deepEqual(sources.map((s) => s.email), [`ada+${dryRunId}-instagram@yourdomain.test`, `ada+${dryRunId}-newsletter@yourdomain.test`]);
		assert.deepEqual(sources[0]!.kit.fields, { utm_source: 'instagram', utm_medium: 'social', utm_campaign: 'spring-launch', utm_content: '', utm_term: '' });
		assert.deepEqual(sources[1]!.hubspot.fields, { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring-launch' });

		const tagged = await tagCheck(dryRunId);
		assert.equal(tagged.json.status, 'passed', JSON.stringify(tagged.json, null, 1));
		const tagEvidence = tagged.json.evidence as { registryTags: string[]; unknownToKit: string[]; testSubscriber: { email: string; readBack: string[] } };
		assert.deepEqual([tagEvidence.registryTags, tagEvidence.unknownToKit], [['customer', 'early-bird'], []]);
		assert.equal(tagEvidence.testSubscriber.email, `ada+${dryRunId}-tags@yourdomain.test`);
		assert.deepEqual(tagEvidence.testSubscriber.readBack.sort(), ['customer', 'early-bird'], 'read back from Kit, not assumed');

		const paid = await purchase(dryRunId);
		assert.equal(paid.json.status, 'passed', JSON.stringify(paid.json, null, 1));
		assert.deepEqual((paid.json.evidence as { ledger: { grants: Array<{ status: string }> } }).ledger.grants.map((g) => g.status), ['done']);
		// Test data never pollutes the real launch: the signups and the buyer are in the run's test launch, marked as tests.
		const byLaunch = await ledger.store.query<{ launch: string; email: string; is_test: number }>("SELECT launch, email, is_test FROM contacts WHERE email LIKE $1 ORDER BY email", [`%${dryRunId}%`]);
		assert.deepEqual(byLaunch.map((c) => [c.launch, c.email, Number(c.is_test)]), ['buyer', 'instagram', 'newsletter'].map((p) => [`default--checklist-${dryRunId}`, `ada+${dryRunId}-${p}@yourdomain.test`, 1]));
		assert.deepEqual(await ledger.purchases.inbox('default'), [], 'the real launch received no payment');

		// Step 4: paid with another email (matched by the token), its refund revoked at once (test launch), and a
		// payment whose run was lost, waiting for the schedule until it runs, then healed and tagged.
		const edgeWaiting = await edge(dryRunId);
		assert.equal(edgeWaiting.json.status, 'waiting', JSON.stringify(edgeWaiting.json, null, 1));
		const cases = edgeWaiting.json.evidence as Record<string, { status: string; paidEmailBelongsTo?: string; contactId?: string; access?: string; revoke?: { status: string } }>;
		assert.deepEqual([cases.otherEmail!.status, cases.refund!.status, cases.droppedWebhook!.status], ['passed', 'passed', 'waiting']);
		assert.equal(cases.otherEmail!.paidEmailBelongsTo, cases.otherEmail!.contactId, 'the other email was linked to the token\'s contact, not made a new one');
		assert.deepEqual([cases.refund!.access, cases.refund!.revoke?.status], ['revoked', 'done']);
		assert.match(String(edgeWaiting.json.reason), /waits for the checkout workflow's schedule \("Every minute" → Replay unprocessed payments\)/);
		const schedule = await everyMinute();
		assert.equal(schedule.error('Replay unprocessed payments'), undefined);
		const edgeDone = await edge(dryRunId, 0);
		assert.equal(edgeDone.json.status, 'passed', JSON.stringify(edgeDone.json, null, 1));
		assert.deepEqual((edgeDone.json.evidence as { droppedWebhook: { contactTags: string[] } }).droppedWebhook.contactTags, ['reconciled-after-failure']);
		assert.equal(edgeDone.json.attempts, 2);
		assert.deepEqual(await ledger.store.query("SELECT email FROM contacts WHERE launch = 'default'"), [], 'the real launch holds no test contact');
		assert.deepEqual(await ledger.purchases.inbox('default'), [], 'nor any test payment');

		const slackBefore = vendors.slackMessages.length;
		const monitored = await alerts(dryRunId);
		assert.equal(monitored.json.status, 'passed', JSON.stringify(monitored.json, null, 1));
		const sent = vendors.slackMessages.slice(slackBefore);
		assert.equal(sent.length, 2, 'one message per alert on the channel');
		assert.match(sent[0]!, /^\[Pre-launch checklist test: nothing is wrong, no action needed\]\n🔴 FIRING · critical · Signups dropped/);
		assert.match(sent[1]!, /FIRING · warning · Purchases not matched to the waitlist/);
		assert.equal((await ledger.monitor.firing('default')).length, 0, 'no alert of the real launch fires');

		const drilled = await drill(dryRunId);
		assert.equal(drilled.json.status, 'passed', JSON.stringify(drilled.json, null, 1));
		assert.equal((drilled.json.evidence as { killSwitchPage: { statusWithoutPassword: number } }).killSwitchPage.statusWithoutPassword, 401);
		assert.equal((await ledger.outbox.pauseState('default')).paused, false, 'the real launch\'s kill switch was never touched');

		const report = await checklist({ operation: 'getReport', runId: dryRunId, includeHtml: true });
		assert.deepEqual((report.json.steps as Array<{ step: string; status: string }>).map((s) => `${s.step}:${s.status}`), [
			'utm_capture:passed',
			'tag_vocabulary:passed',
			'purchase_flow:passed',
			'edge_cases:passed',
			'monitoring:passed',
			'rollback_drill:passed',
		]);
		assert.equal(report.json.ready, true);
		assert.match(String(report.json.html), /data-step="purchase_flow" data-status="passed"/);
	});

	it('a Kit account without the custom field utm_campaign fails step 1 with the fix naming the field and where to create it', async () => {
		vendors.kitFields.delete('utm_campaign');
		try {
			const result = await utm('');
			assert.equal(result.json.status, 'failed');
			assert.equal(result.json.fix, 'Kit has no custom field `utm_campaign`: create it in Kit → Subscribers → Custom fields (name it exactly utm_campaign), then run this step again.');
		} finally {
			vendors.kitFields.add('utm_campaign');
		}
	});

	it('a registry tag Kit does not know fails step 2, naming the tag and where to create it; the known ones are still applied and read back', async () => {
		await ledger.tags.add({ launch: 'tags-fault', tag: 'customer', kind: 'behaviour' });
		await ledger.tags.add({ launch: 'tags-fault', tag: 'webinar-attendee', kind: 'behaviour' });
		const result = await tagCheck('', 'tags-fault');
		assert.equal(result.json.status, 'failed', JSON.stringify(result.json, null, 1));
		assert.equal(
			result.json.fix,
			"Kit has no tag `webinar-attendee`: an automation that should start on it never will. Create it in Kit → Subscribers → Tags (name it exactly webinar-attendee) and attach your automation to it, or remove the tag from the launch's tag registry (Waitlist Tags → Registry), then run this step again.",
		);
		assert.deepEqual((result.json.evidence as { testSubscriber: { readBack: string[] } }).testSubscriber.readBack, ['customer']);
	});

	it('an alert channel that is archived, or unreachable, fails step 5 with what to do; the alerts themselves fired', async () => {
		vendors.slackStatus = 410;
		try {
			const muted = await alerts('');
			assert.equal(muted.json.status, 'failed', muted.error ?? JSON.stringify(muted.json, null, 1));
			assert.match(String(muted.json.fix), /^The alert channel refused the test alert \(410 "channel_is_archived"\): the webhook was removed, muted or its channel archived/);
			assert.deepEqual((muted.json.evidence as { fired: Array<{ rule: string }> }).fired.map((f) => f.rule), ['ingestion_drop', 'reconciliation_low']);
		} finally {
			vendors.slackStatus = 200;
		}
		const unreachable = await alerts('', 'http://127.0.0.1:9/services/T0/B0/gone');
		assert.equal(unreachable.json.status, 'failed', unreachable.error);
		assert.match(String(unreachable.json.fix), /^The alert webhook http:\/\/127\.0\.0\.1:9\/services\/T0\/B0\/gone could not be reached \(/);
		const missing = await step('', 'monitoring', { alertWebhookUrl: '' });
		assert.match(missing.error ?? '', /^Alert Webhook URL: is required: the webhook URL in the Slack step of your Launch Monitor workflow/);
	});

	it('a signing secret that is not the trigger\'s fails step 3 with the 401 and where to copy the right one', async () => {
		const result = await purchase('', { ...vendorCredentials, stripeWebhookSecretApi: { signingSecret: 'whsec_not_the_endpoints' } });
		assert.equal(result.json.status, 'failed');
		assert.match(String(result.json.fix), /^The payment webhook refused the test payment's signature \(401\): the Stripe signing secret does not match\. In Stripe → Developers → Webhooks/);
	});

	it('a delivery platform answering 403 fails step 3 with the delivery fix', async () => {
		vendors.kajabiStatus = 403;
		try {
			const result = await purchase('');
			assert.equal(result.json.status, 'failed', JSON.stringify(result.json, null, 1));
			assert.match(String(result.json.reason), /The delivery platform did not take the grant: .*403/);
			assert.match(String(result.json.fix), /^The delivery platform refused the grant \(401\/403\)/);
		} finally {
			vendors.kajabiStatus = 200;
		}
	});

	it('a kill switch page without a password fails step 6 although the drill itself passed', async () => {
		pagePassword = false;
		try {
			const result = await drill('');
			assert.equal(result.json.status, 'failed');
			assert.equal(result.json.reason, 'The drill passed, but the kill switch page is not safe.');
			assert.match(String(result.json.fix), /^The kill switch page has no password: select a Basic Auth credential/);
		} finally {
			pagePassword = true;
		}
	});

	it('a step can be skipped with a reason; bad input names the parameter', async () => {
		const skipped = await step(dryRunId, 'utm_capture', { skipReason: 'No campaign links yet' });
		assert.deepEqual([skipped.json.status, skipped.json.reason, skipped.json.attempts], ['skipped', 'No campaign links yet', 2]);
		const newest = (await ledger.checklist.latest('default'))?.id;
		const noSources = await step('', 'utm_capture', { captureUrl: server.url('waitlist-signup'), sources: '' });
		assert.match(noSources.error ?? '', /^Campaign Sources: lists no source; write one per line, "source \/ medium \/ campaign"/);
		assert.equal((await ledger.checklist.latest('default'))?.id, newest, 'a parameter to fix starts no run');
		const badUrl = await step('', 'purchase_flow', { webhookUrl: 'stripe-purchases' });
		assert.match(badUrl.error ?? '', /^Purchase Webhook URL: "stripe-purchases" is not a web address/);
		const unknownRun = await checklist({ operation: 'getReport', runId: 'ck_nope' });
		assert.match(unknownRun.error ?? '', /^Run ID: no checklist run has id "ck_nope"/);
	});

	it('a live run makes one real checkout link for the small amount and waits, showing the link, until the payment arrives; then follows it through match, grant and delivery in the test launch', async () => {
		const sessions: Array<Record<string, string>> = [];
		nock('https://api.stripe.com')
			.post('/v1/checkout/sessions')
			.reply(async (request: unknown) => {
				const form = Object.fromEntries(new URLSearchParams(await (request as Request).text()));
				assert.equal((request as Request).headers.get('authorization'), 'Bearer sk_live_creator');
				sessions.push(form);
				return [200, { id: 'cs_live_checklist1', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_live_checklist1', livemode: true, payment_status: 'unpaid', status: 'open' }];
			});
		const live = (runId: string) =>
			checklist(
				{ operation: 'runStep', runId, mode: 'live', step: 'purchase_flow', webhookUrl: server.url('stripe-purchases'), productId: 'course', liveAmount: 100, currency: 'USD', successUrl: 'https://yourdomain.test/thanks', waitSeconds: 0 },
				{ ...vendorCredentials, stripeApi: { secretKey: 'sk_live_creator' } },
			);
		const waiting = await live('');
		assert.equal(waiting.json.status, 'waiting', waiting.error ?? JSON.stringify(waiting.json, null, 1));
		const runId = String(waiting.json.runId);
		assert.equal(waiting.json.mode, 'live');
		assert.match(String(waiting.json.reason), /^Waiting for your payment: open https:\/\/checkout\.stripe\.com\/c\/pay\/cs_live_checklist1 and pay 1\.00 USD with a real card/);
		assert.equal(sessions.length, 1);
		const session = sessions[0]!;
		assert.deepEqual([session['line_items[0][price_data][unit_amount]'], session['line_items[0][price_data][currency]'], session.customer_email], ['100', 'usd', `ada+${runId}-live-buyer@yourdomain.test`]);
		const report = await checklist({ operation: 'getReport', runId, includeHtml: true });
		assert.match(String(report.json.html), /data-step="purchase_flow" data-status="waiting"/);
		const stillWaiting = await live(runId);
		assert.equal(stillWaiting.json.status, 'waiting');
		assert.equal(sessions.length, 1, 'running the step again makes no second checkout link');

		// The creator pays: Stripe (live mode) sends its own event, signed with the endpoint's secret.
		const paidEvent = stripe.checkoutCompleted('evt_1LiveCheckoutPaid', { token: session.client_reference_id, email: 'ada.personal@example.com', amount: 100, order: 'pi_live_1' });
		const signed = stripeSign(JSON.stringify({ ...paidEvent, livemode: true }), STRIPE_TEST_WHSEC);
		const delivered = await fetch(server.url('stripe-purchases'), { method: 'POST', headers: signed.headers, body: signed.rawBody });
		assert.equal(delivered.status, 200);
		const paid = await live(runId);
		assert.equal(paid.json.status, 'passed', JSON.stringify(paid.json, null, 1));
		const evidence = paid.json.evidence as { checkout: { sessionId: string }; ledger: { inbox: { eventId: string; decision: string }; grants: Array<{ status: string }> } };
		assert.deepEqual([evidence.checkout.sessionId, evidence.ledger.inbox.eventId, evidence.ledger.inbox.decision, evidence.ledger.grants.map((g) => g.status)], ['cs_live_checklist1', 'evt_1LiveCheckoutPaid', 'grant', ['done']]);
		const run = (await ledger.checklist.get(runId))!;
		assert.deepEqual((await ledger.purchases.inbox('default')).filter((e) => e.eventId === 'evt_1LiveCheckoutPaid'), [], 'the real payment of the live run is kept in its test launch');
		assert.equal((await ledger.purchases.inbox(run.testLaunch)).length, 1);
	});

	it('Clean Up takes the test buyer\'s access back through the outbox first (waiting until the drain delivered it), then removes the run\'s test records: HubSpot contacts deleted, Kit subscribers unsubscribed (listed: Kit cannot delete), test contacts forgotten, the test launch empty', async () => {
		const run = (await ledger.checklist.get(dryRunId))!;
		const buyer = `ada+${dryRunId}-buyer@yourdomain.test`;
		const buyerId = (await ledger.contacts.find({ launch: run.testLaunch, kind: 'email', value: buyer }))!.id;
		const kitBefore = [...vendors.kit.keys()].filter((e) => e.includes(dryRunId));
		assert.equal(kitBefore.length, 6, 'two sources, the tag test subscriber, the buyer, and step 4\'s two buyers (tagged customer at Kit by the delivery)');

		const queued = await checklist({ operation: 'cleanUp', runId: dryRunId, waitSeconds: 0 });
		assert.equal(queued.error, undefined);
		assert.equal(queued.json.status, 'waiting', JSON.stringify(queued.json, null, 1));
		assert.match(String(queued.json.message), /^The revoke of the test buyer's access is queued; .* Run Clean Up again with the same Run ID/);
		const revokes = (await ledger.outbox.list({ launch: run.testLaunch, contactId: buyerId, kinds: ['revoke'] })).filter((e) => e.kind === 'revoke');
		assert.deepEqual(revokes.map((r) => r.status), ['pending'], 'one revoke queued in the outbox');
		assert.notEqual(await ledger.contacts.get(buyerId), null, 'nothing forgotten while the revoke waits');
		const again = await checklist({ operation: 'cleanUp', runId: dryRunId, waitSeconds: 0 });
		assert.equal(again.json.status, 'waiting');
		assert.equal((await ledger.outbox.list({ launch: run.testLaunch, contactId: buyerId, kinds: ['revoke'] })).filter((e) => e.kind === 'revoke').length, 1, 'a second Clean Up queues no second revoke');

		// The checkout template's schedule is the drain that delivers grants and revokes.
		const drain = await runWorkflow(checkoutTemplate({ refundWindowSeconds: 0 }) as unknown as WorkflowJson, { trigger: { node: 'Every minute', items: [{ json: {} }] }, credentials: { ...ledgerCredential(), ...vendorCredentials } as never });
		assert.equal(drain.error('Ledger: revoked'), undefined);
		const step4 = [`ada+${dryRunId}-token@yourdomain.test`, `ada+${dryRunId}-dropped@yourdomain.test`];
		assert.deepEqual([...vendors.kajabiDeactivated].sort(), [buyer, ...step4].sort(), 'the course platform took each test buyer\'s access back once (step 4\'s refund, then Clean Up)');

		const result = await checklist({ operation: 'cleanUp', runId: dryRunId });
		assert.equal(result.error, undefined);
		assert.equal(result.json.status, 'left_over');
		assert.deepEqual((result.json.vendors as Array<{ system: string; removal: string }>).filter((v) => v.system === 'delivery').map((v) => v.removal), ['removed', 'removed', 'removed']);
		assert.deepEqual([...vendors.hubspot.keys()].filter((e) => e.includes(dryRunId)), [], 'HubSpot holds none of the run\'s contacts');
		assert.deepEqual(kitBefore.map((e) => vendors.kit.get(e)!.state), kitBefore.map(() => 'cancelled'));
		const notRemoved = result.json.notRemoved as Array<{ system: string; note: string }>;
		assert.deepEqual(notRemoved.map((r) => r.system), kitBefore.map(() => 'kit'), 'only what Kit\'s API cannot delete is left');
		assert.match(notRemoved.find((r) => r.system === 'kit')!.note, /Kit's API cannot delete a subscriber\. To remove .* Kit → Subscribers/);
		for (const email of kitBefore) for (const launch of ['default', run.testLaunch]) assert.equal(await ledger.contacts.find({ launch, kind: 'email', value: email }), null, email);
		assert.deepEqual(result.json.ledger && (result.json.ledger as { forgottenContacts: string[] }).forgottenContacts, [], 'nothing was in the real launch to forget');
		assert.deepEqual(await testLaunchLeftovers(ledger.store, run.testLaunch), {});
		assert.equal((await ledger.checklist.get(dryRunId))?.status, 'cleaned');
	});

});
