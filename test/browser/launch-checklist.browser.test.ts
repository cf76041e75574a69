import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { DASHBOARD_PASSWORD, DASHBOARD_USER, monitorTemplate } from '../support/monitor-template';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import type { TemplateJson } from '../support/signup-template';

/**
 * The pre-launch checklist's report page in headless Chromium against a real n8n running the
 * template: a run whose steps passed, then a newer run with failures (the page shows the newest),
 * at desktop and phone width; locked without the password; no request leaves n8n and the strict
 * CSP raises no error. The launch monitor's dashboard (its template beside it) shows the newest run
 * too — ready, then failed with a link that opens the report. Screenshots go to test-artifacts/.
 */

// The launch team's one login, on the checklist's pages and the dashboard alike.
const AUTH = { user: DASHBOARD_USER, password: DASHBOARD_PASSWORD };
const EDGE_FIX =
	'A payment made with another email (ada+ck_demo-paid-with-other-email@yourdomain.com) was not matched to the waitlist contact although it carried their checkout token (decided "review"). Pass the token to the checkout: in the checkout workflow, "Stripe: create Checkout Session" must send client_reference_id (and metadata.wl_token) = the token from "Checkout token".';
const KIT_FIX = 'Kit has no custom field `utm_campaign`: create it in Kit → Subscribers → Custom fields (name it exactly utm_campaign), then run this step again.';

function template(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'pre-launch-checklist.json'), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) if (node.parameters.authentication === 'basicAuth') node.credentials = { httpBasicAuth: { id: 'wlChecklistAuth1', name: 'Launch team login' } };
	return wf;
}

describe('browser: the pre-launch checklist report page (headless Chromium, real n8n)', () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	let browser: Browser;
	const requested: string[] = [];
	const consoleErrors: string[] = [];

	before(async () => {
		channels = await startFakeChannels();
		const monitor = monitorTemplate(channels);
		n8n = await startE2eN8n({ workflows: [template(), monitor.workflow], credentials: [{ id: 'wlChecklistAuth1', name: 'Launch team login', type: 'httpBasicAuth', data: AUTH }, ...monitor.credentials] });
		browser = await launchChromium();
	});
	after(async () => {
		await browser?.close();
		await n8n?.stop();
		await channels?.close();
	});

	const reportUrl = () => n8n.webhookUrl('pre-launch-checklist-report');
	const dashboardUrl = () => n8n.webhookUrl('launch-monitor');

	async function open(width = 1280, signedIn = true): Promise<{ context: BrowserContext; page: Page }> {
		const context = await browser.newContext({ viewport: { width, height: 900 }, ...(signedIn ? { httpCredentials: { username: AUTH.user, password: AUTH.password } } : {}) });
		context.on('request', (request) => requested.push(request.url()));
		const page = await context.newPage();
		page.on('console', (message) => {
			if (message.type() === 'error') consoleErrors.push(message.text());
		});
		return { context, page };
	}

	it('without the password: 401, nothing of the report', async () => {
		// As any client gets it (headless Chromium cannot show the sign-in prompt for a page).
		const anonymous = await browser.newContext();
		const bare = await anonymous.request.get(reportUrl());
		assert.equal(bare.status(), 401);
		assert.doesNotMatch(await bare.text(), /Pre-launch checklist/);
		await anonymous.close();
	});

	it('passed: every step green (step 4\'s three edge cases included), "Ready"; the dashboard says ready', async () => {
		await n8n.withLedger(async (ledger) => {
			const run = await ledger.checklist.start({ launch: 'default', mode: 'dry' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'passed', reason: 'Every source (instagram, newsletter) arrived with its UTM fields intact in the ledger, Kit, HubSpot.', evidence: { sources: [{ source: 'instagram', kit: { fields: { utm_source: 'instagram' } } }] } });
			await ledger.checklist.recordStep({ runId: run.id, step: 'tag_vocabulary', status: 'passed', reason: 'Kit knows every registry tag (customer, early-bird), and each one stuck on a test subscriber.' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'purchase_flow', status: 'passed', reason: 'Webhook → match → grant → delivery: the test buyer has access.' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'edge_cases', status: 'passed', reason: 'Paid with another email: matched by the checkout token, access granted and delivered.\nRefunded: access revoked, and the delivery platform took the revoke.\nA payment whose webhook run was lost was healed by the scheduled replay: access granted, delivered, and the contact tagged `reconciled-after-failure`.' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'monitoring', status: 'passed', reason: 'A simulated drop in signups and unmatched purchases each raised their alert, and the alert channel took both.' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'rollback_drill', status: 'passed', reason: 'The kill switch held the grant; resume released it, and exactly one grant was handed out.' });
		});
		const { context, page } = await open();
		const response = await page.goto(reportUrl());
		assert.equal(response?.status(), 200);
		assert.match((await page.locator('.summary').textContent()) ?? '', /^Ready: every step the checklist can run passed\./);
		assert.equal(await page.locator('section.step.passed').count(), 6);
		assert.equal(await page.getByText('Check by hand').count(), 0);
		assert.equal(await page.locator('.fix').count(), 0);
		// The report's own style applies under the page's CSP: a passed step has its green bar.
		assert.equal(await page.evaluate("getComputedStyle(document.querySelector('section.step.passed')).borderLeftColor"), 'rgb(47, 143, 78)');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'checklist-report-passed.png'), fullPage: true });

		assert.equal((await page.goto(dashboardUrl()))?.status(), 200);
		const card = page.locator('[data-checklist]');
		assert.equal(await card.getAttribute('data-checklist'), 'passed');
		assert.equal(await card.locator('.ck-head').textContent(), 'Ready: 6 passed');
		assert.equal(await card.locator('li[data-status="passed"]').count(), 6);
		assert.equal(await page.evaluate("getComputedStyle(document.querySelector('.checklist.passed')).borderLeftColor"), 'rgb(47, 143, 78)');
		await card.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-checklist-passed.png') });
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-checklist-passed-page.png'), fullPage: true });
		await context.close();
	});

	it('failed: the newest run is shown, each failed step red with its fix, a waiting one amber; the dashboard lists the failed steps and links to the report', async () => {
		await n8n.withLedger(async (ledger) => {
			const run = await ledger.checklist.start({ launch: 'default', mode: 'dry' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'failed', reason: '1 problem(s) across 2 source(s).', fix: KIT_FIX });
			await ledger.checklist.recordStep({ runId: run.id, step: 'edge_cases', status: 'failed', reason: '1 of 3 edge cases failed.', fix: EDGE_FIX });
			await ledger.checklist.recordStep({ runId: run.id, step: 'purchase_flow', status: 'waiting', reason: 'The grant is pending: the outbox drain delivers it within a minute or two. Run this step again (same Run ID) to finish.' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'rollback_drill', status: 'failed', reason: 'The drill passed, but the kill switch page is not safe.', fix: 'The kill switch page has no password: select a Basic Auth credential (a user name and a long password) on the Kill Switch Page Trigger, publish again, and run this step again.' });
		});
		const { context, page } = await open();
		await page.goto(reportUrl());
		assert.match((await page.locator('.summary').textContent()) ?? '', /^Not ready yet: 3 failed, 1 waiting\./);
		assert.equal(await page.locator('section.step.failed').count(), 3);
		assert.equal(((await page.locator('[data-step="edge_cases"] .fix').textContent()) ?? '').replace(/^What to fix/, ''), EDGE_FIX);
		assert.equal(await page.locator('section.step.waiting').count(), 1);
		assert.equal(((await page.locator('[data-step="utm_capture"] .fix').textContent()) ?? '').replace(/^What to fix/, ''), KIT_FIX.replaceAll('`', ''));
		assert.equal(await page.locator('[data-step="utm_capture"] .fix code').textContent(), 'utm_campaign', 'the field name shows as code');
		assert.equal(await page.evaluate("getComputedStyle(document.querySelector('section.step.failed')).borderLeftColor"), 'rgb(197, 48, 48)');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'checklist-report-failed.png'), fullPage: true });

		await page.goto(dashboardUrl());
		const card = page.locator('[data-checklist]');
		assert.equal(await card.getAttribute('data-checklist'), 'failed');
		assert.equal(await card.locator('.ck-head').textContent(), 'Not ready: 3 failed, 1 waiting, 2 not run');
		assert.deepEqual(await card.locator('li[data-status="failed"]').evaluateAll((items) => items.map((i) => i.getAttribute('data-step'))), ['utm_capture', 'edge_cases', 'rollback_drill']);
		assert.equal(await page.evaluate("getComputedStyle(document.querySelector('.checklist.failed')).borderLeftColor"), 'rgb(192, 57, 43)');
		await card.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-checklist-failed.png') });
		await card.getByRole('link', { name: 'Open the checklist report (what to fix)' }).click();
		await page.waitForURL(/pre-launch-checklist-report/);
		assert.match((await page.locator('.summary').textContent()) ?? '', /^Not ready yet: 3 failed, 1 waiting\./, 'the link opens the report of that run');
		await context.close();

		const phone = await open(390);
		await phone.page.goto(reportUrl());
		const overflow = Number(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
		assert.ok(overflow <= 0, `the page fits a phone (${overflow}px too wide)`);
		await phone.page.screenshot({ path: join(ARTIFACTS_DIR, 'checklist-report-failed-phone.png'), fullPage: true });
		await phone.context.close();
	});

	it('a live run waiting for the payment: step 3 amber with the checkout link and the amount, the rest not run yet; readable at phone width', async () => {
		const link = 'https://checkout.stripe.com/c/pay/cs_live_a1B2c3D4e5F6g7H8';
		await n8n.withLedger(async (ledger) => {
			const run = await ledger.checklist.start({ launch: 'default', mode: 'live' });
			await ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'passed', reason: 'Every source (instagram, newsletter) arrived with its UTM fields intact in the ledger, Kit, HubSpot.' });
			await ledger.checklist.recordStep({
				runId: run.id,
				step: 'purchase_flow',
				status: 'waiting',
				reason: `Waiting for your payment: open ${link} and pay 1.00 USD with a real card (use ada+${run.id}-live-buyer@yourdomain.com). Then run this step again (same Run ID); it follows the payment through the webhook, the match, the grant and the delivery.`,
				evidence: { checkout: { sessionId: 'cs_live_a1B2c3D4e5F6g7H8', url: link }, amount: 100, currency: 'USD' },
			});
		});
		const { context, page } = await open();
		await page.goto(reportUrl());
		assert.match((await page.locator('.summary').textContent()) ?? '', /^Not ready yet: 0 failed, 1 waiting\. Live run /);
		const waiting = page.locator('[data-step="purchase_flow"]');
		assert.equal(await waiting.getAttribute('data-status'), 'waiting');
		assert.equal(await waiting.locator('.badge').textContent(), 'Waiting');
		assert.match((await waiting.locator('p').first().textContent()) ?? '', new RegExp(`^Waiting for your payment: open ${link.replaceAll('.', '\\.').replaceAll('/', '\\/')} and pay 1\\.00 USD`));
		assert.equal(await waiting.locator('p a').getAttribute('href'), link, 'the checkout link is a link to open, not text to copy');
		assert.equal(await waiting.locator('p a').textContent(), link);
		assert.equal(await page.evaluate("getComputedStyle(document.querySelector('section.step.waiting')).borderLeftColor"), 'rgb(214, 158, 46)');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'checklist-report-live-waiting.png'), fullPage: true });
		await context.close();
		const phone = await open(390);
		await phone.page.goto(reportUrl());
		const overflow = Number(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
		assert.ok(overflow <= 0, `the page fits a phone (${overflow}px too wide)`);
		await phone.page.screenshot({ path: join(ARTIFACTS_DIR, 'checklist-report-live-waiting-phone.png'), fullPage: true });
		await phone.context.close();
	});

	it('no request left n8n and the CSP raised no error', () => {
		const origin = new URL(n8n.baseUrl).origin;
		assert.deepEqual(requested.filter((url) => !url.startsWith(origin)), []);
		assert.deepEqual(consoleErrors, []);
	});
});
