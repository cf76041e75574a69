/**
 * Issue 16 on a real n8n with the vendor fakes inside it: the Launch Checklist node runs its steps
 * against the published templates themselves — the signup template's capture URL (Kit and HubSpot
 * fakes behind it), Kit's tags, the Stripe checkout template's payment webhook (Kajabi, HubSpot,
 * Kit), a local Slack incoming webhook for the monitor's alerts, the kill switch page — a dry run passes; each planted fault fails its step with its own fix; the
 * test data stays in the run's test launch; the pre-launch template's report page shows the run behind Basic Auth, as a page and as JSON; Clean
 * Up leaves no test record in the ledger and deletes or unsubscribes them at the vendors.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { testLaunchLeftovers } from '../../ledger/internal';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { CHECKOUT_CREDENTIALS, checkoutTemplate, STRIPE_TEST_WHSEC } from '../support/checkout-template';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { signupTemplate, type TemplateJson } from '../support/signup-template';

const AUTH = { user: 'launch-ops', password: randomBytes(12).toString('hex') };
const CREDENTIALS = [
	...CHECKOUT_CREDENTIALS,
	{ id: 'wlChecklistAuth1', name: 'Launch team login', type: 'httpBasicAuth', data: AUTH },
	{ id: 'wlWrongStripeWh1', name: 'Stripe webhook secret (someone else’s)', type: 'stripeWebhookSecretApi', data: { signingSecret: 'whsec_not_this_endpoints' } },
	// Stripe in live mode (the vendor fake inside n8n makes cs_live_ sessions for an sk_live_ key).
	{ id: 'wlLiveStripeApi1', name: 'Stripe (live mode, vendor fake)', type: 'stripeApi', data: { secretKey: 'sk_live_vendorfake' } },
];
const cred = (id: string) => {
	const c = CREDENTIALS.find((x) => x.id === id)!;
	return { [c.type]: { id: c.id, name: c.name } };
};
const SOURCES = 'instagram / social / spring-launch\nnewsletter / email / spring-launch';
const basic = `Basic ${Buffer.from(`${AUTH.user}:${AUTH.password}`).toString('base64')}`;

function template(file: string): TemplateJson {
	return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', file), 'utf8')) as TemplateJson;
}

/** The kill switch template, protected or (a planted fault) with no credential, at its own path. */
function killSwitch(protectedPage: boolean): TemplateJson {
	const wf = template('kill-switch.json');
	if (!protectedPage) {
		wf.id = 'wlKillSwitchOpen';
		wf.name = 'Kill switch without a password';
	}
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-waitlist-ledger.killSwitchPageTrigger') continue;
		if (protectedPage) node.credentials = cred('wlChecklistAuth1');
		else {
			node.parameters.path = 'kill-switch-open';
			node.webhookId = '7f3c9e00-0000-4000-8000-00000000f0aa';
		}
	}
	return wf;
}

/** The pre-launch template with the launch team's login selected on its form and report page. */
function preLaunchTemplate(): TemplateJson {
	const wf = template('pre-launch-checklist.json');
	for (const node of wf.nodes) if (node.parameters.authentication === 'basicAuth') node.credentials = cred('wlChecklistAuth1');
	return wf;
}

/** A webhook that runs one Launch Checklist operation with what the test posts (as the template's form would). */
function driver(id: string, path: string, stripeCredential: string): TemplateJson {
	const body = (key: string) => `={{ $json.body.${key} ?? '' }}`;
	const vendorCredentials = { ...cred('wlFakeKitCred001'), ...cred('wlFakeHubspot001') };
	const common = { storage: 'default', launch: 'default', runId: body('runId'), useKit: true, useHubspot: true };
	return {
		id,
		name: `Checklist driver ${path}`,
		nodes: [
			{ name: 'Run', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: `c4ec0000-0000-4000-8000-${id.slice(-12).toLowerCase().replace(/[^0-9a-f]/g, '0')}`, parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} } } as never,
			{ name: 'Clean up?', type: 'n8n-nodes-base.if', typeVersion: 2.2, position: [220, 0], parameters: { conditions: { options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 }, conditions: [{ id: 'c1', leftValue: '={{ $json.body.operation }}', rightValue: 'cleanUp', operator: { type: 'string', operation: 'equals' } }], combinator: 'and' }, looseTypeValidation: true, options: {} } } as never,
			{ name: 'Clean Up', type: 'n8n-nodes-waitlist-ledger.launchChecklist', typeVersion: 1, position: [440, -100], credentials: vendorCredentials, parameters: { ...common, operation: 'cleanUp', waitSeconds: 180 } } as never,
			{
				name: 'Run Step',
				type: 'n8n-nodes-waitlist-ledger.launchChecklist',
				typeVersion: 1,
				position: [440, 100],
				credentials: { ...vendorCredentials, ...cred(stripeCredential), ...cred('wlLiveStripeApi1') },
				parameters: {
					...common,
					operation: 'runStep',
					step: '={{ $json.body.step }}',
					mode: "={{ $json.body.mode ?? 'dry' }}",
					liveAmount: 100,
					successUrl: 'https://yourdomain.test/thanks',
					testEmail: 'ada@yourdomain.test',
					captureUrl: body('captureUrl'),
					sources: SOURCES,
					webhookUrl: body('webhookUrl'),
					productId: 'course',
					amount: 5900,
					currency: 'USD',
					killSwitchUrl: body('killSwitchUrl'),
					alertWebhookUrl: body('alertWebhookUrl'),
					waitSeconds: '={{ $json.body.waitSeconds ?? 30 }}',
				},
			} as never,
		],
		connections: { Run: { main: [[{ node: 'Clean up?', type: 'main', index: 0 }]] }, 'Clean up?': { main: [[{ node: 'Clean Up', type: 'main', index: 0 }], [{ node: 'Run Step', type: 'main', index: 0 }]] } },
	};
}

type StepItem = { runId: string; status: string; reason: string; fix: string | null; evidence: Record<string, unknown> };

describe('real n8n: the Launch Checklist against the published templates and the vendor fakes', { timeout: 10 * 60_000 }, () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	const faults = mkdtempSync(join(tmpdir(), 'wl-checklist-faults-'));
	const kitFields = join(faults, 'kit-fields');
	const kajabiForbidden = join(faults, 'kajabi-forbidden');

	before(async () => {
		channels = await startFakeChannels();
		n8n = await startE2eN8n({
			workflows: [signupTemplate(), checkoutTemplate({ refundWindowSeconds: 0 }), killSwitch(true), killSwitch(false), preLaunchTemplate(), driver('wlChecklistDrv01', 'checklist-e2e', 'wlFakeStripeWh01'), driver('wlChecklistDrv02', 'checklist-e2e-wrong', 'wlWrongStripeWh1')],
			credentials: CREDENTIALS,
			vendorFakes: {},
			env: { WL_FAKES_KIT_FIELDS_FILE: kitFields, WL_FAKES_FORBIDDEN: 'kajabi', WL_FAKES_FORBIDDEN_FILE: kajabiForbidden, WL_FAKES_KIT_TAGS: 'customer,early-bird' },
		});
		await n8n.withLedger(async (ledger) => {
			await ledger.purchases.defineProduct({ launch: 'default', productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } });
			// The tags the launch's automations start on; the Kit account has both.
			await ledger.tags.add({ launch: 'default', tag: 'customer', kind: 'behaviour' });
			await ledger.tags.add({ launch: 'default', tag: 'early-bird', kind: 'segment' });
		});
	});
	after(async () => {
		await n8n?.stop();
		await channels?.close();
		rmSync(faults, { recursive: true, force: true });
	});

	const run = async (payload: Record<string, unknown>, path = 'checklist-e2e'): Promise<StepItem> => {
		const res = await n8n.post(path, payload);
		const text = await res.text();
		assert.equal(res.status, 200, text);
		return JSON.parse(text) as StepItem;
	};
	const utm = (runId = '') => run({ step: 'utm_capture', runId, captureUrl: n8n.webhookUrl('waitlist-signup') });
	const purchase = (runId = '', path?: string) => run({ step: 'purchase_flow', runId, webhookUrl: n8n.webhookUrl('stripe-purchases') }, path);
	/** Step 4; its lost payment waits for the checkout template's "Every minute" schedule, so it is run again (same run) until that healed it. */
	const edgeCases = async (runId: string): Promise<StepItem[]> => {
		const attempts: StepItem[] = [];
		for (let i = 0; i < 4 && attempts.at(-1)?.status !== 'passed'; i++) {
			const attempt = await run({ step: 'edge_cases', runId, webhookUrl: n8n.webhookUrl('stripe-purchases') });
			attempts.push(attempt);
			if (attempt.status === 'failed') break;
		}
		return attempts;
	};
	const drill = (runId = '', page = 'waitlist-kill-switch') => run({ step: 'rollback_drill', runId, killSwitchUrl: n8n.webhookUrl(page) });
	const tags = (runId = '') => run({ step: 'tag_vocabulary', runId });
	const alerts = (runId = '', alertWebhookUrl = channels.slackUrl) => run({ step: 'monitoring', runId, alertWebhookUrl });

	let runId = '';

	it('a dry run passes step 1 (capture → ledger, Kit, HubSpot), step 2 (tags known to Kit, applied, read back), step 3 (signed payment → match → grant → Kajabi), step 4 (other email, refund → revoke, lost payment healed by the schedule), step 5 (both alerts on the Slack channel) and step 6 (drill, page asks for a password)', async () => {
		const first = await utm();
		assert.equal(first.status, 'passed', JSON.stringify(first, null, 1));
		runId = first.runId;
		const tagged = await tags(runId);
		assert.equal(tagged.status, 'passed', JSON.stringify(tagged, null, 1));
		const tagRequests = n8n.vendorRequests().filter((r) => r.fake === 'kit' && /^\/v3\/tags\/\d+\/subscribe/.test(r.path));
		assert.deepEqual(tagRequests.map((r) => (r.body as { email: string }).email), [`ada+${runId}-tags@yourdomain.test`, `ada+${runId}-tags@yourdomain.test`], 'both tags applied to the test subscriber at Kit');
		const paid = await purchase(runId);
		assert.equal(paid.status, 'passed', JSON.stringify(paid, null, 1));
		const edge = await edgeCases(runId);
		assert.equal(edge.at(-1)!.status, 'passed', JSON.stringify(edge, null, 1));
		assert.ok(edge.slice(0, -1).every((a) => a.status === 'waiting'), 'waiting only for the schedule until it healed the lost payment');
		assert.deepEqual((edge.at(-1)!.evidence as { droppedWebhook: { contactTags: string[] } }).droppedWebhook.contactTags, ['reconciled-after-failure']);
		await n8n.withLedger(async (ledger) => {
			assert.deepEqual(await ledger.store.query("SELECT email FROM contacts WHERE launch = 'default'"), [], 'steps 1, 3 and 4 left no test contact in the real launch');
			assert.deepEqual(await ledger.purchases.inbox('default'), [], 'nor any test payment');
		});
		const monitored = await alerts(runId);
		assert.equal(monitored.status, 'passed', JSON.stringify(monitored, null, 1));
		const slack = channels.messages('slack').map((m) => m.text);
		assert.equal(slack.length, 2, slack.join('\n---\n'));
		assert.match(slack[0]!, /^\[Pre-launch checklist test: nothing is wrong, no action needed\]\n🔴 FIRING · critical · Signups dropped/);
		assert.match(slack[1]!, /FIRING · warning · Purchases not matched to the waitlist/);
		const drilled = await drill(runId);
		assert.equal(drilled.status, 'passed', JSON.stringify(drilled, null, 1));
		const kajabi = n8n.vendorRequests().filter((r) => r.fake === 'kajabi' && r.path.endsWith('/activate') && r.outcome === 'ok');
		assert.deepEqual(kajabi.map((r) => (r.body as { email: string }).email).sort(), ['buyer', 'dropped', 'token'].map((p) => `ada+${runId}-${p}@yourdomain.test`), 'the delivery platform got each test buyer once');
	});

	it('the report page of the pre-launch template shows the run behind Basic Auth, as a page and as JSON', async () => {
		const refused = await fetch(n8n.webhookUrl('pre-launch-checklist-report'));
		assert.equal(refused.status, 401);
		const page = await fetch(n8n.webhookUrl('pre-launch-checklist-report'), { headers: { authorization: basic } });
		const html = await page.text();
		assert.equal(page.status, 200, html);
		assert.match(page.headers.get('content-type') ?? '', /text\/html/);
		// n8n's Respond to Webhook sends HTML in its own sandbox (its CSP, not the page kit's); the page has no script to run there.
		assert.match(page.headers.get('content-security-policy') ?? '', /^sandbox /);
		assert.doesNotMatch(html, /<script/i);
		for (const step of ['utm_capture', 'tag_vocabulary', 'purchase_flow', 'edge_cases', 'monitoring', 'rollback_drill']) assert.match(html, new RegExp(`data-step="${step}" data-status="passed"`));
		const json = (await (await fetch(`${n8n.webhookUrl('pre-launch-checklist-report')}?format=json`, { headers: { authorization: basic } })).json()) as { runId: string; ready: boolean; html?: string };
		assert.deepEqual([json.runId, json.ready, json.html], [runId, true, undefined]);
	});

	it('a live run (Stripe in live mode, a fake): one real checkout link for 1.00, the run waits showing it, the payment arrives, the chain is followed in the test launch', async () => {
		const live = (runId: string, waitSeconds: number) => run({ step: 'purchase_flow', runId, mode: 'live', webhookUrl: n8n.webhookUrl('stripe-purchases'), waitSeconds });
		const waiting = await live('', 0);
		assert.equal(waiting.status, 'waiting', JSON.stringify(waiting, null, 1));
		assert.match(waiting.reason, /^Waiting for your payment: open https:\/\/checkout\.stripe\.com\/c\/pay\/cs_live_\d+ and pay 1\.00 USD with a real card/);
		const sessions = n8n.vendorRequests().filter((r) => r.fake === 'stripe' && r.method === 'POST' && r.outcome === 'ok' && String(r.headers.authorization).includes('sk_live_'));
		assert.equal(sessions.length, 1);
		const form = typeof sessions[0]!.body === 'string' ? Object.fromEntries(new URLSearchParams(sessions[0]!.body)) : (sessions[0]!.body as Record<string, string>);
		assert.equal(form['line_items[0][price_data][unit_amount]'], '100');
		assert.equal((await live(waiting.runId, 0)).status, 'waiting', 'still waiting: nothing paid yet');
		assert.equal(n8n.vendorRequests().filter((r) => r.fake === 'stripe' && r.method === 'POST' && String(r.headers.authorization).includes('sk_live_')).length, 1, 'no second link');

		// The creator pays with a real card: Stripe sends its own live-mode event to the payment webhook.
		const paid = { ...stripe.checkoutCompleted('evt_1LivePaymentArrives', { token: form.client_reference_id, email: 'ada.card@example.com', amount: 100, order: 'pi_live_e2e' }), livemode: true };
		const signed = stripeSign(JSON.stringify(paid), STRIPE_TEST_WHSEC);
		assert.equal((await fetch(n8n.webhookUrl('stripe-purchases'), { method: 'POST', headers: signed.headers, body: signed.rawBody })).status, 200);
		const followed = await live(waiting.runId, 30);
		assert.equal(followed.status, 'passed', JSON.stringify(followed, null, 1));
		const evidence = followed.evidence as { ledger: { inbox: { eventId: string; decision: string }; grants: Array<{ status: string }> } };
		assert.deepEqual([evidence.ledger.inbox.eventId, evidence.ledger.inbox.decision, evidence.ledger.grants.map((g) => g.status)], ['evt_1LivePaymentArrives', 'grant', ['done']]);
		await n8n.withLedger(async (ledger) => {
			const liveRun = (await ledger.checklist.get(waiting.runId))!;
			assert.equal(liveRun.mode, 'live');
			assert.deepEqual((await ledger.purchases.inbox(liveRun.testLaunch)).map((e) => e.eventId), ['evt_1LivePaymentArrives']);
			assert.deepEqual((await ledger.purchases.inbox('default')).filter((e) => e.eventId === 'evt_1LivePaymentArrives'), [], 'not in the real launch');
		});
	});

	it('planted faults: each fails its step with its own fix', async () => {
		writeFileSync(kitFields, 'utm_source,utm_medium');
		try {
			const missingField = await utm();
			assert.equal(missingField.status, 'failed');
			assert.equal(missingField.fix, 'Kit has no custom field `utm_campaign`: create it in Kit → Subscribers → Custom fields (name it exactly utm_campaign), then run this step again.');
		} finally {
			rmSync(kitFields, { force: true });
		}
		const wrongSecret = await purchase('', 'checklist-e2e-wrong');
		assert.equal(wrongSecret.status, 'failed');
		assert.match(wrongSecret.fix ?? '', /^The payment webhook refused the test payment's signature \(401\)/);
		writeFileSync(kajabiForbidden, '');
		try {
			const forbidden = await purchase();
			assert.equal(forbidden.status, 'failed', JSON.stringify(forbidden, null, 1));
			assert.match(forbidden.fix ?? '', /^The delivery platform refused the grant \(401\/403\)/);
		} finally {
			rmSync(kajabiForbidden, { force: true });
		}
		const openPage = await drill('', 'kill-switch-open');
		assert.equal(openPage.status, 'failed');
		assert.match(openPage.fix ?? '', /^The kill switch page has no password/);
		await n8n.withLedger((ledger) => ledger.tags.add({ launch: 'default', tag: 'webinar-attendee', kind: 'behaviour' }));
		const unknownTag = await tags();
		assert.equal(unknownTag.status, 'failed', JSON.stringify(unknownTag, null, 1));
		assert.match(unknownTag.fix ?? '', /^Kit has no tag `webinar-attendee`: an automation that should start on it never will\. Create it in Kit → Subscribers → Tags/);
		const archived = await alerts('', `${channels.httpOrigin}/slack-archived`);
		assert.equal(archived.status, 'failed', JSON.stringify(archived, null, 1));
		assert.match(archived.fix ?? '', /^The alert channel refused the test alert \(410 "channel_is_archived"\)/);
		const unreachable = await alerts('', 'http://127.0.0.1:9/slack');
		assert.equal(unreachable.status, 'failed', JSON.stringify(unreachable, null, 1));
		assert.match(unreachable.fix ?? '', /^The alert webhook http:\/\/127\.0\.0\.1:9\/slack could not be reached/);
	});

	it('Clean Up: the test buyer\'s access is taken back at Kajabi through the outbox; the ledger keeps no test record of the run; HubSpot contacts deleted, Kit subscribers unsubscribed and listed', async () => {
		const result = (await run({ operation: 'cleanUp', runId })) as unknown as { status: string; notRemoved: Array<{ system: string }>; ledger: { leftovers: object } };
		assert.equal(result.status, 'left_over', JSON.stringify(result, null, 1));
		assert.deepEqual(result.ledger.leftovers, {});
		assert.deepEqual(result.notRemoved.map((r) => r.system).sort(), ['kit', 'kit', 'kit', 'kit', 'kit', 'kit'], 'only what Kit\'s API cannot delete is left');
		const requests = n8n.vendorRequests();
		const deactivated = requests.filter((r) => r.fake === 'kajabi' && r.path.endsWith('/deactivate') && r.outcome === 'ok').map((r) => (r.body as { email: string }).email);
		assert.deepEqual(deactivated.sort(), ['buyer', 'dropped', 'token'].map((p) => `ada+${runId}-${p}@yourdomain.test`), 'the checkout template\'s drain took each test buyer\'s access back once (step 4\'s refund, then Clean Up)');
		const deleted = requests.filter((r) => r.fake === 'hubspot' && r.method === 'DELETE' && r.status === 204);
		assert.equal(deleted.length, 5, 'two sources and the three buyers deleted at HubSpot');
		const unsubscribed = requests.filter((r) => r.fake === 'kit' && r.method === 'PUT' && r.status === 200).map((r) => (r.body as { email: string }).email).sort();
		assert.deepEqual(unsubscribed, ['buyer', 'dropped', 'instagram', 'newsletter', 'tags', 'token'].map((p) => `ada+${runId}-${p}@yourdomain.test`));
		await n8n.withLedger(async (ledger) => {
			const checklistRun = (await ledger.checklist.get(runId))!;
			assert.equal(checklistRun.status, 'cleaned');
			assert.deepEqual(await testLaunchLeftovers(ledger.store, checklistRun.testLaunch), {});
			for (const email of unsubscribed) for (const launch of ['default', checklistRun.testLaunch]) assert.equal(await ledger.contacts.find({ launch, kind: 'email', value: email }), null, email);
		});
	});
});
