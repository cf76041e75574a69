import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { ARTIFACTS_DIR, launchChromium } from '../support/browser';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { seedHealthyHistory } from '../support/monitor-history';
import { DASHBOARD_PASSWORD, DASHBOARD_USER, MONITOR_WORKFLOW_ID, monitorTemplate } from '../support/monitor-template';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { waitFor } from '../support/wait';

/**
 * The launch monitor dashboard in headless Chromium against a real n8n running the template:
 * healthy, with a firing alert, with the kill switch on, at phone width; locked without the
 * password; a contact's name shown as text; and not one request leaving n8n. Screenshots go to
 * test-artifacts/.
 */

const SCRIPT_NAME = '<script>window.pwned = true</script>';

describe('browser: launch monitor dashboard (headless Chromium, real n8n)', () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	let browser: Browser;
	/** Every URL Chromium asked for, in every context of this file. */
	const requested: string[] = [];
	/** Console errors (a CSP violation would be one). */
	const consoleErrors: string[] = [];

	before(async () => {
		channels = await startFakeChannels();
		const template = monitorTemplate(channels);
		n8n = await startE2eN8n({ workflows: [template.workflow, 'workflows/launch-day-capture.json'], credentials: template.credentials });
		// Three hours of kept windows, up to the one before the last: the first check of this file
		// measures a window of its own (a kept window is never measured again).
		await n8n.withLedger(async (ledger) => {
			await seedHealthyHistory(ledger, { now: Date.now() - 300_000 });
			// The signups of the last minutes are too few to compare with the seeded hours: no drop is judged here.
			await ledger.settings.update('default', { alerts: { ingestionDrop: { enabled: false } } });
		});
		// Signups right now, through the capture: one of them named like a script; Lin through Maya's link.
		let mayaCode = '';
		for (const [i, name] of ['Maya', SCRIPT_NAME, 'Lin'].entries()) {
			const res = await n8n.post('waitlist-signup', { email: `now${i}@example.com`, first_name: name, utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring-launch', ...(name === 'Lin' ? { ref: mayaCode } : {}) });
			assert.equal(res.status, 201);
			if (name === 'Maya') {
				mayaCode = await n8n.withLedger(async (ledger) => {
					const maya = (await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'now0@example.com' }))!;
					return (await ledger.referrals.standing({ launch: 'default', contactId: maya.id })).code;
				});
			}
		}
		browser = await launchChromium();
	});
	after(async () => {
		await browser?.close();
		await n8n?.stop();
		await channels?.close();
	});

	async function open(options: { signedIn: boolean; width?: number }): Promise<{ context: BrowserContext; page: Page }> {
		const context = await browser.newContext({
			viewport: { width: options.width ?? 1280, height: 900 },
			...(options.signedIn ? { httpCredentials: { username: DASHBOARD_USER, password: DASHBOARD_PASSWORD } } : {}),
		});
		context.on('request', (request) => requested.push(request.url()));
		const page = await context.newPage();
		page.on('console', (message) => {
			if (message.type() === 'error') consoleErrors.push(message.text());
		});
		return { context, page };
	}

	const dashboardUrl = () => n8n.webhookUrl('launch-monitor');

	it('without the password: 401 and a page saying how to sign in, nothing of the launch', async () => {
		// No credentials at all (the page as any client gets it) …
		const anonymous = await browser.newContext();
		const bare = await anonymous.request.get(dashboardUrl());
		assert.equal(bare.status(), 401);
		assert.match(bare.headers()['www-authenticate'] ?? '', /^Basic realm="Launch monitor"/);
		assert.doesNotMatch(await bare.text(), /Latest signups|now1@example\.com/);
		await anonymous.close();
		// … and a wrong password in the browser: Chromium shows the 401 page (headless, it cannot prompt).
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: { username: DASHBOARD_USER, password: 'not the password' } });
		context.on('request', (request) => requested.push(request.url()));
		const page = await context.newPage();
		const response = await page.goto(dashboardUrl());
		assert.equal(response?.status(), 401);
		const text = (await page.textContent('body')) ?? '';
		assert.match(text, /Sign in with the user name and password of the Basic Auth credential/);
		assert.doesNotMatch(text, /Latest signups|now1@example\.com/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch-monitor-401.png'), fullPage: true });
		await context.close();
	});

	it('healthy: all clear, five tiles with sparklines (referral signups the fifth), the review queue, the kill switch off — and a contact named <script> shows as text', async () => {
		const { context, page } = await open({ signedIn: true });
		const response = await page.goto(dashboardUrl());
		assert.equal(response?.status(), 200);
		assert.equal(await page.getByRole('status').first().textContent(), 'All clear: no alert is firing');
		assert.equal(await page.locator('svg.spark path.spark-line').count(), 5, 'each tile with kept values draws its 24-hour line (no signup was flagged)');
		const referrals = page.getByRole('region', { name: 'Referral signups' });
		assert.match((await referrals.textContent()) ?? '', /1 through a referral link in the last 5 min/);
		assert.match((await referrals.textContent()) ?? '', /Their referral now: counted 1/);
		assert.match((await referrals.textContent()) ?? '', /credits are withheld/);
		for (const heading of ['Signups', 'UTM fidelity', 'Purchases matched', 'Flagged signups', 'Referral signups', 'Delivery health', 'Review queue', 'Kill switch', 'Latest signups']) {
			assert.equal(await page.getByRole('heading', { name: heading, exact: heading !== 'Kill switch' }).count(), 1, heading);
		}
		assert.match((await page.locator('#kill-h').textContent()) ?? '', /Kill switch\s*off/);
		assert.equal(await page.getByText(SCRIPT_NAME).count(), 1, 'the name is on the page, as text');
		assert.equal(await page.locator('script').count(), 0, 'and no script element came of it');
		assert.equal(await page.evaluate('window.pwned'), undefined);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch-monitor-healthy.png'), fullPage: true });
		await context.close();
	});

	it('with a firing alert: "Check the alerts now" runs the template, the alert shows with what to do first, and Slack hears of it once', async () => {
		await n8n.withLedger(async (ledger) => {
			// A kind of its own, so the capture's own sync entries stay where they are.
			const { id } = await ledger.outbox.enqueue({ launch: 'default', kind: 'hubspot_owner_sync', idempotencyKey: 'owner:browser', payload: {}, maxAttempts: 1 });
			const [claimed] = await ledger.outbox.claim({ launch: 'default', kinds: 'hubspot_owner_sync', limit: 1, leaseMs: 60_000, workerId: 'browser-test' });
			assert.equal(claimed?.id, id);
			await ledger.outbox.fail('default', [{ id, claimToken: claimed!.claimToken, error: 'HubSpot answered 401: token expired' }]);
		});
		const { context, page } = await open({ signedIn: true });
		await page.goto(dashboardUrl());
		const runsBefore = n8n.executions(MONITOR_WORKFLOW_ID).length;
		await Promise.all([page.waitForURL(/launch-monitor\?checked=1$/), page.getByRole('button', { name: 'Check the alerts now' }).click()]);
		assert.match((await page.textContent('body')) ?? '', /Check started/);
		await n8n.waitForExecutions(MONITOR_WORKFLOW_ID, runsBefore + 1);
		await waitFor('the alert at Slack', () => (channels.messages('slack').some((m) => /Dead letters in the outbox/.test(m.text)) ? true : undefined), 30_000);
		await page.goto(dashboardUrl());
		assert.equal(await page.getByRole('status').first().textContent(), '1 alert firing');
		const alert = page.locator('li.alert');
		assert.match((await alert.textContent()) ?? '', /Dead letters in the outbox[\s\S]*HubSpot answered 401: token expired[\s\S]*What to do first: Read the last error/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch-monitor-firing.png'), fullPage: true });
		assert.equal(channels.messages('slack').filter((m) => /Dead letters in the outbox/.test(m.text)).length, 1);
		await context.close();
	});

	it('with the kill switch on: a banner, who and why, and the link to the kill-switch page', async () => {
		await n8n.withLedger((ledger) => ledger.outbox.pause({ launch: 'default', scope: 'grants', by: 'ops@example.com', reason: 'Wrong product <mapping> in checkout', source: 'browser-test' }));
		const { context, page } = await open({ signedIn: true });
		await page.goto(dashboardUrl());
		assert.match((await page.getByRole('status').nth(1).textContent()) ?? '', /^Kill switch on: access grants are held since/);
		assert.match((await page.locator('#kill-h').textContent()) ?? '', /Kill switch\s*on/);
		assert.equal(await page.getByText('Reason: Wrong product <mapping> in checkout').count(), 1);
		assert.equal(await page.getByRole('link', { name: 'Open the kill-switch page' }).getAttribute('href'), '/webhook/waitlist-kill-switch');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch-monitor-kill-switch.png'), fullPage: true });
		await context.close();
	});

	it('at phone width everything fits the screen', async () => {
		const { context, page } = await open({ signedIn: true, width: 390 });
		await page.goto(dashboardUrl());
		const widths = (await page.evaluate('({ page: document.documentElement.scrollWidth, screen: window.innerWidth })')) as { page: number; screen: number };
		assert.ok(widths.page <= widths.screen, `no sideways scrolling: ${JSON.stringify(widths)}`);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch-monitor-phone.png'), fullPage: true });
		await context.close();
	});

	it('no request left n8n, and the page broke no rule of its Content-Security-Policy', () => {
		assert.ok(requested.length >= 6);
		const outside = requested.filter((url) => !url.startsWith(`${n8n.baseUrl}/`));
		assert.deepEqual(outside, []);
		assert.deepEqual(consoleErrors, []);
	});
});
