import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { AlertSettingsPatch } from '../../ledger';
import { startFakeChannels, type ChannelMessage, type FakeChannels } from '../support/fake-channels';
import { DASHBOARD_AUTH, MONITOR_WORKFLOW_ID, monitorTemplate } from '../support/monitor-template';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { waitFor } from '../support/wait';

/**
 * The launch monitor template on a real n8n, its alerts arriving at a local fake Slack webhook (and
 * a fake Discord webhook and SMTP server, the template's other channels). Windows are shortened by
 * the launch settings (10 seconds, a two-window baseline), never by sleeping through real ones:
 * the test waits for the next window to begin, sends that window's signups, and asks the dashboard
 * to "check the alerts now" once per window — the same run the 5-minute schedule starts.
 */

const MONITOR = MONITOR_WORKFLOW_ID;
const PURCHASES = 'monitorE2ePurch1';
const WINDOW_MS = 10_000;
const TEST_WHSEC = 'whsec_monitor_e2e';
const STRIPE_CREDENTIAL = { id: 'monitorStripe001', name: 'Stripe e2e', type: 'stripeWebhookSecretApi' };

/** Stripe deliveries into the ledger: verified, matched to the waitlist, access decided (no delivery step). */
const purchaseWorkflow = {
	id: PURCHASES,
	name: 'Purchases (monitor e2e)',
	nodes: [
		{
			id: 'p1',
			name: 'Stripe webhook',
			type: 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: 'monitor-e2e-stripe',
			parameters: { path: 'stripe-monitor-e2e', provider: 'stripe', launch: 'default' },
			credentials: { stripeWebhookSecretApi: { id: STRIPE_CREDENTIAL.id, name: STRIPE_CREDENTIAL.name } },
		},
		{
			id: 'p2',
			name: 'Match purchase',
			type: 'n8n-nodes-waitlist-ledger.purchaseMatch',
			typeVersion: 1,
			position: [220, 0],
			parameters: { resource: 'purchase', operation: 'match', purchaseInput: 'inbox', inboxId: '={{ $json.inboxId }}', launch: 'default' },
		},
	],
	connections: { 'Stripe webhook': { main: [[{ node: 'Match purchase', type: 'main', index: 0 }]] } },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the next window to begin (plus a margin), so what follows lands inside one window. */
async function nextWindow(notBefore = 0): Promise<number> {
	const start = Math.max(Math.ceil((Date.now() + 1) / WINDOW_MS) * WINDOW_MS, notBefore);
	await sleep(start - Date.now() + 400);
	return start;
}

describe('real n8n: the launch monitor template', () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	let signupCount = 0;

	before(async () => {
		channels = await startFakeChannels();
		const template = monitorTemplate(channels);
		n8n = await startE2eN8n({
			workflows: [template.workflow, 'workflows/launch-day-capture.json', purchaseWorkflow],
			credentials: [...template.credentials, { ...STRIPE_CREDENTIAL, data: { signingSecret: TEST_WHSEC } }],
		});
	});
	after(async () => {
		await n8n?.stop();
		await channels?.close();
	});

	const configure = (alerts: AlertSettingsPatch) => n8n.withLedger((ledger) => ledger.settings.update('default', { alerts }));

	/** n signups through the launch-day capture (spike mode), all with their UTMs, at once. */
	async function signups(n: number): Promise<void> {
		const answers = await Promise.all(
			Array.from({ length: n }, () => {
				signupCount += 1;
				return n8n.post('waitlist-signup', { email: `person${signupCount}@example.com`, first_name: `Person ${signupCount}`, utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch' });
			}),
		);
		assert.deepEqual(answers.map((a) => a.status), Array.from({ length: n }, () => 201));
	}

	let checks = 0;
	/** "Check the alerts now" on the dashboard, and the run it starts, finished. */
	async function checkNow(): Promise<void> {
		const origin = n8n.baseUrl;
		const res = await fetch(n8n.webhookUrl('launch-monitor'), { method: 'POST', redirect: 'manual', headers: { authorization: DASHBOARD_AUTH, origin, host: new URL(origin).host } });
		assert.equal(res.status, 303);
		checks += 1;
		// The 5-minute schedule may add runs of its own: count the runs the dashboard started (they
		// carry its item), and wait until every run of the template has finished.
		await waitFor(`${checks} finished runs started by the dashboard`, () => {
			const runs = n8n.executions(MONITOR);
			const fromDashboard = runs.filter((r) => r.nodes.Dashboard !== undefined);
			return fromDashboard.length >= checks && runs.every((r) => r.status !== 'running' && r.status !== 'new') ? runs : undefined;
		});
		const failed = n8n.executions(MONITOR).filter((r) => r.status === 'error');
		assert.deepEqual(failed.map((r) => r.errors), [], 'no monitor run failed');
	}

	const slack = (pattern: RegExp): ChannelMessage[] => channels.messages('slack').filter((m) => pattern.test(m.text));

	it('the template is published: its dashboard answers 401 without the password and 200 with it', async () => {
		const locked = await fetch(n8n.webhookUrl('launch-monitor'));
		assert.equal(locked.status, 401);
		assert.match(locked.headers.get('www-authenticate') ?? '', /^Basic realm="Launch monitor"/);
		assert.doesNotMatch(await locked.text(), /Latest signups/);
		const open = await fetch(n8n.webhookUrl('launch-monitor'), { headers: { authorization: DASHBOARD_AUTH } });
		assert.equal(open.status, 200);
		assert.match(open.headers.get('content-security-policy') ?? '', /^default-src 'none'/);
		assert.match(await open.text(), /All clear: no alert is firing/);
		const metrics = await fetch(n8n.webhookUrl('launch-monitor/metrics'), { headers: { authorization: DASHBOARD_AUTH } });
		assert.match(await metrics.text(), /^waitlist_kill_switch_on\{launch="default"\} 0$/m);
	});

	it('a signup rate that falls by 60 % sends exactly one alert to Slack, and one resolve when it recovers', async () => {
		const liveAt = Math.ceil((Date.now() + 2_000) / WINDOW_MS) * WINDOW_MS;
		await configure({ windowSeconds: WINDOW_MS / 1000, liveAt, resolveAfterWindows: 1, ingestionDrop: { baselineWindows: 2, minBaselineSignups: 5 } });

		const perWindow = [10, 10, 4, 10];
		const starts: number[] = [];
		for (const [i, n] of perWindow.entries()) {
			// The first burst waits for liveAt: a baseline window that starts before the launch is live
			// is not judged (rules.ts), and liveAt can be one window after the next boundary.
			starts.push(await nextWindow(i === 0 ? liveAt : 0));
			if (i > 0) await checkNow(); // judges the window before
			await signups(n);
		}
		// What each window really received, as kept by the checks (a burst that slipped into the next window would show here).
		const kept = await n8n.withLedger((ledger) => ledger.monitor.history({ launch: 'default', from: starts[0]!, to: starts[2]! + WINDOW_MS }));
		assert.deepEqual(kept.map((s) => s.signups), [10, 10, 4], 'each burst landed in its own window');

		const fired = slack(/FIRING · critical · Signups dropped/);
		assert.equal(fired.length, 1, channels.messages('slack').map((m) => m.text).join('\n---\n'));
		assert.match(fired[0]!.text, /4 signups in the last 10 s, 60 % below the baseline of 10/);
		assert.match(fired[0]!.text, /What to do first: Open the signup form yourself/);
		assert.match(fired[0]!.text, new RegExp(`Dashboard: ${n8n.baseUrl.replace(/[.:/]/g, '\\$&')}/webhook/launch-monitor`));
		assert.equal(channels.messages('discord').filter((m) => /Signups dropped/.test(m.text)).length, 1);
		assert.equal(channels.messages('email').filter((m) => /Signups dropped/.test(m.subject)).length, 1);

		await nextWindow();
		await checkNow(); // judges the recovered window
		assert.equal(slack(/RESOLVED · critical · Signups dropped/).length, 1);
		// A quiet test from here on: no signups, so the drop rule is turned off (as a person would after the launch).
		await configure({ ingestionDrop: { enabled: false } });
		await nextWindow();
		await checkNow();
		assert.equal(slack(/Signups dropped/).length, 2, 'one fired, one resolved, nothing more');
	});

	it('a purchase left without access past the limit (shortened by a setting) sends its alert', async () => {
		await configure({ paidWithoutAccess: { maxAgeMinutes: 0.05 } }); // 3 seconds instead of 15 minutes
		await n8n.withLedger((ledger) => ledger.purchases.defineProduct({ launch: 'default', productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { stripe: ['course'] } }));
		const payload = stripe.checkoutCompleted('evt_monitor_paid', { email: 'person1@example.com', customer: 'cus_monitor', order: 'pi_monitor', product: 'course' });
		payload.created = Math.floor(Date.now() / 1000);
		const delivery = stripeSign(JSON.stringify(payload), TEST_WHSEC);
		assert.equal((await n8n.post('stripe-monitor-e2e', delivery.rawBody, delivery.headers)).status, 200);
		const [run] = await n8n.waitForExecutions(PURCHASES, 1);
		assert.equal(run!.status, 'success');
		assert.equal((run!.nodes['Match purchase']?.[0]?.[0] as { decision?: string } | undefined)?.decision, 'grant');
		// Nothing delivers the grant here: the buyer waits. The next window's check measures the wait.
		await sleep(3_500);
		await nextWindow();
		await checkNow();
		const [alert, ...more] = slack(/FIRING · critical · Buyers without access/);
		assert.equal(more.length, 0);
		assert.match(alert!.text, /1 paid purchase has no access yet \(1 grant not delivered, 0 buyers matched to nobody\)/);
		assert.match(alert!.text, /What to do first: Open the Access Outbox/);
	});

	it('deliveries signed with the wrong Stripe secret send the refused-deliveries alert', async () => {
		await nextWindow();
		const forged = stripeSign(JSON.stringify(stripe.checkoutCompleted('evt_monitor_wrong', { email: 'x@example.com' })), 'whsec_not_the_right_one');
		const answers = await Promise.all([1, 2, 3].map(() => n8n.post('stripe-monitor-e2e', forged.rawBody, forged.headers)));
		assert.deepEqual(answers.map((a) => a.status), [401, 401, 401]);
		await nextWindow();
		await checkNow();
		const [alert, ...more] = slack(/FIRING · critical · Payment deliveries refused/);
		assert.equal(more.length, 0);
		assert.match(alert!.text, /3 payment deliveries refused in the last 10 s \(bad_signature 3; stripe 3\)/);
		assert.match(alert!.text, /wrong signing secret/);
	});
});
