import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import type { TemplateJson } from '../support/signup-template';

/**
 * The kill-switch page in headless Chromium against a real n8n running the template: what a
 * non-engineer sees, used with the keyboard only (pause, then send one held entry), at phone width,
 * the wait after wrong passwords, and not one request leaving n8n. Screenshots go to test-artifacts/.
 */

const AUTH = { user: 'launch-ops', password: randomBytes(12).toString('hex') };

function killSwitchTemplate(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'kill-switch.json'), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) if (node.type === 'n8n-nodes-waitlist-ledger.killSwitchPageTrigger') node.credentials = { httpBasicAuth: { id: 'wlKillSwitchAuth', name: 'Kill switch login' } };
	return wf;
}

describe('browser: kill-switch page (headless Chromium, real n8n)', () => {
	let n8n: E2eN8n;
	let browser: Browser;
	const requested: string[] = [];
	const consoleErrors: string[] = [];
	let heldId = '';

	before(async () => {
		n8n = await startE2eN8n({ workflows: [killSwitchTemplate()], credentials: [{ id: 'wlKillSwitchAuth', name: 'Kill switch login', type: 'httpBasicAuth', data: AUTH }] });
		browser = await launchChromium();
	});
	after(async () => {
		await browser?.close();
		await n8n?.stop();
	});

	async function open(options: { password?: string; width?: number }): Promise<{ context: BrowserContext; page: Page }> {
		const context = await browser.newContext({
			viewport: { width: options.width ?? 1100, height: 900 },
			...(options.password ? { httpCredentials: { username: AUTH.user, password: options.password } } : {}),
		});
		context.on('request', (request) => requested.push(request.url()));
		const page = await context.newPage();
		page.on('console', (message) => {
			if (message.type() === 'error') consoleErrors.push(message.text());
		});
		return { context, page };
	}

	const url = () => n8n.webhookUrl('waitlist-kill-switch');

	it('running normally: the state in plain words, one labelled form, every field reachable by label', async () => {
		const { context, page } = await open({ password: AUTH.password });
		const response = await page.goto(url());
		assert.equal(response?.status(), 200);
		assert.match((await page.getByRole('status').first().textContent()) ?? '', /^Running normally\./);
		assert.equal(await page.getByRole('radio').count(), 5);
		for (const label of ['Pause access grants', 'Pause every vendor call', 'Resume', 'Why?', 'Your name']) assert.equal(await page.getByLabel(label, { exact: false }).count() >= 1, true, label);
		assert.equal(await page.getByRole('button', { name: 'Do it' }).count(), 1);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'kill-switch-running.png'), fullPage: true });
		await context.close();
	});

	it('by keyboard only: pause grants, then tick the held entry and send it; who and why are recorded', async () => {
		const { context, page } = await open({ password: AUTH.password });
		await page.goto(url());
		// Tab to the first choice, Space picks it; Tab leaves the radio group for the reason.
		await page.keyboard.press('Tab');
		await page.keyboard.press('Space');
		assert.equal(await page.getByLabel('Pause access grants').isChecked(), true);
		await page.keyboard.press('Tab');
		await page.keyboard.type('Checkout shows the wrong price');
		await page.keyboard.press('Tab');
		await page.keyboard.type('Maya');
		await page.keyboard.press('Tab');
		await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
		await page.waitForSelector('.state.paused');
		assert.match((await page.locator('.note').textContent()) ?? '', /^Paused \(grants\)/);
		assert.match((await page.locator('.state').textContent()) ?? '', /Access grants are paused since .* by Maya \(signed in as launch-ops\): “Checkout shows the wrong price”/);
		heldId = await n8n.withLedger(async (ledger) => (await ledger.outbox.enqueue({ launch: 'default', kind: 'grant', idempotencyKey: 'grant:browser', payload: { productId: 'course' } })).id);
		await page.goto(url());
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'kill-switch-paused.png'), fullPage: true });
		// Choose "Send the selected held entries" with the arrow keys, then tick the entry with Space.
		await page.getByLabel('Pause access grants').focus();
		for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
		assert.equal(await page.getByLabel('Send the selected held entries').isChecked(), true);
		await page.keyboard.press('Tab');
		await page.keyboard.press('Space');
		assert.equal(await page.locator('input[name=entry]').first().isChecked(), true);
		await page.keyboard.press('Tab');
		await page.keyboard.type('This buyer paid the right price');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Tab');
		await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
		await page.waitForSelector('.note');
		assert.match((await page.locator('.note').textContent()) ?? '', /^1 held entry will be sent\./);
		const entry = await n8n.withLedger((ledger) => ledger.outbox.get(heldId));
		assert.equal(entry?.status, 'pending');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'kill-switch-released.png'), fullPage: true });
		await context.close();
	});

	it('a forgotten reason: the page says what to fill in (as an alert) and keeps the choice', async () => {
		const { context, page } = await open({ password: AUTH.password, width: 390 });
		await page.goto(url());
		await page.getByLabel('Resume').check();
		// The browser's own "required" check would stop the post; remove it to see the server's answer.
		await page.locator('#reason').evaluate((el) => el.removeAttribute('required'));
		await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Do it' }).click()]);
		assert.match((await page.getByRole('alert').textContent()) ?? '', /^Why: say why/);
		assert.equal(await page.getByLabel('Resume').isChecked(), true);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'kill-switch-phone-error.png'), fullPage: true });
		await context.close();
	});

	it('after wrong passwords the page says to wait, in words, and the right password waits too', async () => {
		// Wrong passwords until the wait is long enough to outlast a page load on a busy machine: the
		// wait doubles with each failure checked after the previous wait (1, 2, 4, 8, 16 s).
		const guesser = await browser.newContext({ httpCredentials: { username: AUTH.user, password: 'not-the-password' } });
		let wait = 0;
		for (let i = 0; i < 80 && wait < 16; i++) {
			const res = await guesser.request.get(url());
			if (res.status() === 429) wait = Number(res.headers()['retry-after']);
			if (wait > 0 && wait < 16) await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
		}
		await guesser.close();
		assert.ok(wait >= 16, `waited for a 16 s wait, last Retry-After ${wait}`);
		const { context, page } = await open({ password: AUTH.password });
		const response = await page.goto(url());
		assert.equal(response?.status(), 429);
		assert.match((await page.textContent('body')) ?? '', /Too many wrong passwords from your address .* Wait \d+ seconds?, then sign in again/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'kill-switch-429.png'), fullPage: true });
		await context.close();
	});

	it('no request left n8n, and no console error (the strict CSP held)', () => {
		const origin = new URL(url()).origin;
		assert.deepEqual(
			requested.filter((u) => !u.startsWith(origin)),
			[],
		);
		// Chromium logs every 4xx answer as "Failed to load resource"; anything else (a CSP violation) is a failure.
		assert.deepEqual(
			consoleErrors.filter((m) => !/^Failed to load resource: the server responded with a status of (400|401|429)\b/.test(m)),
			[],
		);
	});
});
