import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

import type { Ledger } from '../../ledger';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import type { TemplateJson } from '../support/signup-template';

/**
 * The review desk in headless Chromium against a real n8n running the template: a buyer nobody
 * matched is matched from the page (search, pick, submit) and gets exactly one grant; a held grant
 * is released; a possible duplicate is merged and then unmerged; nothing without the password;
 * hostile names show as text; one whole action by keyboard only; two tabs settle an item once;
 * desktop and phone screenshots in test-artifacts/.
 */

const AUTH = { user: 'launch-ops', password: randomBytes(12).toString('hex') };
const WORKFLOW_ID = 'wlReviewDesk0001';
const LAUNCH = 'default';
const SECRET = 'whsec_browser_desk';
const HOSTILE = '<img src=x onerror=alert(1)>';

function reviewDeskTemplate(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'review-desk.json'), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) if (node.type === 'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger') node.credentials = { httpBasicAuth: { id: 'wlReviewDeskAuth', name: 'Review desk login' } };
	return wf;
}

/** A Stripe checkout paid with an email nobody signed up with: a review item waiting for its buyer. */
async function unknownBuyer(ledger: Ledger, order: string): Promise<string> {
	await ledger.purchases.defineProduct({ launch: LAUNCH, productId: 'course', amount: 5900, currency: 'USD' });
	const rawBody = JSON.stringify(stripe.checkoutCompleted(`evt_${order}`, { email: `${order}@pay.example`, customer: `cus_${order}`, order }));
	const { id } = await ledger.purchases.receive({ launch: LAUNCH, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
	const decision = await ledger.purchases.process(id);
	assert.equal(decision.decision, 'review');
	return decision.reviewId!;
}

/** Two contacts that may be one person (an email the other one owns): a link_identifier item. */
async function possibleDuplicate(ledger: Ledger, email: string, name: string): Promise<{ reviewId: string; dup: string }> {
	await ledger.contacts.upsert({ launch: LAUNCH, email });
	const dup = await ledger.contacts.upsert({ launch: LAUNCH, email: `work.${email}`, fields: { first_name: name } });
	const link = await ledger.contacts.link({ launch: LAUNCH, contactId: dup.contactId, kind: 'email', value: email });
	return { reviewId: link.review!.id, dup: dup.contactId };
}

describe('browser: review desk page (headless Chromium, real n8n)', () => {
	let n8n: E2eN8n;
	let browser: Browser;
	const requested: string[] = [];
	const consoleErrors: string[] = [];
	const dialogs: string[] = [];

	before(async () => {
		n8n = await startE2eN8n({ workflows: [reviewDeskTemplate()], credentials: [{ id: 'wlReviewDeskAuth', name: 'Review desk login', type: 'httpBasicAuth', data: AUTH }] });
		browser = await launchChromium();
	});
	after(async () => {
		await browser?.close();
		await n8n?.stop();
	});

	async function open(options: { signedIn?: boolean; width?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
		const context = await browser.newContext({
			viewport: { width: options.width ?? 1280, height: 900 },
			...(options.signedIn === false ? {} : { httpCredentials: { username: AUTH.user, password: AUTH.password } }),
		});
		context.on('request', (request) => requested.push(request.url()));
		const page = await context.newPage();
		page.on('console', (message) => {
			if (message.type() === 'error') consoleErrors.push(message.text());
		});
		page.on('dialog', (dialog) => {
			dialogs.push(dialog.message());
			void dialog.dismiss();
		});
		return { context, page };
	}

	const url = (query = '') => `${n8n.webhookUrl('waitlist-review')}${query}`;
	const item = (page: Page, reviewId: string): Locator => page.locator(`article[data-review-id="${reviewId}"]`);
	/** The form of an item (or row) that holds this button. */
	const formWith = (scope: Locator, button: string | RegExp): Locator => scope.locator('form').filter({ has: scope.page().getByRole('button', { name: button }) });
	const submit = async (page: Page, button: Locator) => Promise.all([page.waitForLoadState('load'), page.waitForURL(/waitlist-review/), button.click()]);

	it('without the password: 401, nothing of the launch', async () => {
		await n8n.withLedger((ledger) => unknownBuyer(ledger, 'pi_hidden'));
		// Chromium itself stops at a 401 that asks for Basic Auth (ERR_INVALID_AUTH_CREDENTIALS): ask as a client.
		const { context } = await open({ signedIn: false });
		const response = await context.request.get(url());
		assert.equal(response.status(), 401);
		assert.match(response.headers()['www-authenticate'] ?? '', /^Basic realm="Review desk"/);
		assert.doesNotMatch(await response.text(), /pi_hidden|Open items/);
		await context.close();
	});

	it('an unknown-email purchase is matched from the page (search, pick, submit): exactly one grant for the buyer', async () => {
		const { reviewId, contactId } = await n8n.withLedger(async (ledger) => ({
			reviewId: await unknownBuyer(ledger, 'pi_browser'),
			contactId: (await ledger.contacts.upsert({ launch: LAUNCH, email: 'grace@example.com', fields: { first_name: 'Grace', last_name: 'Hopper' } })).contactId,
		}));
		const { context, page } = await open();
		const response = await page.goto(url(`?item=${reviewId}`));
		assert.equal(response?.status(), 200);
		assert.equal(await page.locator('article[data-review-id]').first().getAttribute('data-review-id'), reviewId, 'the linked item comes first');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-desktop.png'), fullPage: true });
		const card = item(page, reviewId);
		await card.getByLabel('Find the buyer by email or name').fill('grace@');
		await submit(page, card.getByRole('button', { name: 'Search contacts' }));
		const match = formWith(item(page, reviewId), 'Match purchase to this contact');
		await match.getByLabel(/Grace Hopper/).check();
		await match.getByLabel('Why?').fill('paid with her work email');
		await submit(page, match.getByRole('button', { name: 'Match purchase to this contact' }));
		assert.match((await page.getByRole('status').first().textContent()) ?? '', /^Purchase matched to contact .*Paid\. Access granted/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-matched.png'), fullPage: true });
		const grants = await n8n.withLedger((ledger) => ledger.store.query<{ status: string }>("SELECT status FROM outbox WHERE kind = 'grant' AND contact_id = $1", [contactId]));
		assert.equal(grants.length, 1, 'one grant in the outbox for the buyer');
		const runs = await n8n.waitForExecutions(WORKFLOW_ID, 1);
		assert.equal((runs[0]?.nodes['Review desk page']?.[0]?.[0] as { action?: string } | undefined)?.action, 'match', 'the workflow ran with what was done');
		await context.close();
	});

	it('a held grant is released from the list beside the items', async () => {
		const entryId = await n8n.withLedger(async (ledger) => {
			await ledger.outbox.pause({ launch: LAUNCH, by: 'sam', reason: 'price check' });
			const { id } = await ledger.outbox.enqueue({ launch: LAUNCH, kind: 'grant', idempotencyKey: 'grant:browser-held' });
			return id;
		});
		const { context, page } = await open();
		await page.goto(url('#held'));
		const row = page.locator('#held li', { hasText: entryId });
		await row.getByLabel('Send it now (release)').check();
		await row.getByLabel('Why?').fill('the buyer paid in full');
		await submit(page, row.getByRole('button', { name: 'Release or discard' }));
		assert.match((await page.getByRole('status').first().textContent()) ?? '', new RegExp(`Entry ${entryId} will be sent now`));
		const status = await n8n.withLedger(async (ledger) => {
			const entry = await ledger.outbox.get(entryId);
			await ledger.outbox.resume({ launch: LAUNCH, by: 'sam', reason: 'done' });
			return entry?.status;
		});
		assert.equal(status, 'pending');
		await context.close();
	});

	it('a possible duplicate is merged, then unmerged from the settled item; a hostile name shows as text', async () => {
		const { reviewId, dup } = await n8n.withLedger((ledger) => possibleDuplicate(ledger, 'lin@example.com', HOSTILE));
		const { context, page } = await open();
		await page.goto(url(`?item=${reviewId}`));
		const card = item(page, reviewId);
		assert.equal(await card.getByText(HOSTILE).count(), 1, 'the name is text');
		assert.equal(await page.locator('main img').count(), 0);
		const merge = formWith(card, 'Merge the two contacts');
		await merge.getByLabel(/^Keep lin@example\.com/).check();
		await merge.getByLabel('Why?').fill('same person, work and home email');
		await submit(page, merge.getByRole('button', { name: 'Merge the two contacts' }));
		assert.match((await page.getByRole('status').first().textContent()) ?? '', /^Contacts merged/);
		assert.equal(await n8n.withLedger(async (ledger) => (await ledger.contacts.get(dup))?.status), 'merged');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-merged.png'), fullPage: true });
		const unmerge = formWith(item(page, reviewId), /^Unmerge work\.lin@example\.com/);
		await unmerge.getByLabel('Why?').fill('two people after all');
		await submit(page, unmerge.getByRole('button', { name: /^Unmerge/ }));
		assert.match((await page.getByRole('status').first().textContent()) ?? '', /is on its own again/);
		assert.equal(await n8n.withLedger(async (ledger) => (await ledger.contacts.get(dup))?.status), 'active');
		await context.close();
	});

	it('keyboard only: open an item\'s actions with Enter, type why, Enter keeps them apart; focus is visible', async () => {
		const { reviewId } = await n8n.withLedger((ledger) => possibleDuplicate(ledger, 'kim@example.com', 'Kim'));
		const { context, page } = await open();
		await page.goto(url());
		// What has the focus, read in the page (a string: the test's TypeScript has no DOM types).
		const focused = () =>
			page.evaluate(`(() => {
				const el = document.activeElement;
				const style = el ? getComputedStyle(el) : null;
				return { tag: el ? el.tagName : '', item: (el && el.closest('article') && el.closest('article').getAttribute('data-review-id')) || '', placeholder: (el && el.getAttribute('placeholder')) || '', outline: style ? style.outlineStyle + ' ' + style.outlineWidth : '' };
			})()`) as Promise<{ tag: string; item: string; placeholder: string; outline: string }>;
		// Tab from the top of the page to the item's "Actions" (the newest item: it is first).
		let at = await focused();
		for (let i = 0; i < 40 && !(at.tag === 'SUMMARY' && at.item === reviewId); i++) {
			await page.keyboard.press('Tab');
			at = await focused();
		}
		assert.deepEqual([at.tag, at.item], ['SUMMARY', reviewId]);
		assert.match(at.outline, /^solid [1-9]/, 'the focused control shows an outline');
		await page.keyboard.press('Enter');
		for (let i = 0; i < 20 && !(at.tag === 'INPUT' && /different people/.test(at.placeholder)); i++) {
			await page.keyboard.press('Tab');
			at = await focused();
		}
		assert.equal(at.item, reviewId);
		await page.keyboard.type('different people, same first name');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-keyboard.png'), fullPage: false });
		await Promise.all([page.waitForLoadState('load'), page.waitForURL(/waitlist-review/), page.keyboard.press('Enter')]);
		assert.match((await page.getByRole('status').first().textContent()) ?? '', /^Kept apart/);
		assert.equal(await n8n.withLedger(async (ledger) => (await ledger.review.get(reviewId))?.resolution), 'kept apart: different people, same first name');
		await context.close();
	});

	it('two tabs on one item: the second reads "already resolved by …", nothing is done twice; readable at phone width', async () => {
		const reviewId = await n8n.withLedger((ledger) => unknownBuyer(ledger, 'pi_twotabs'));
		const { context, page: first } = await open({ width: 390 });
		const second = await context.newPage();
		for (const page of [first, second]) await page.goto(url(`?item=${reviewId}`));
		assert.equal(await first.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), true, 'no sideways scrolling on a phone');
		await first.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-phone.png'), fullPage: true });
		await first.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-phone-top.png') });
		for (const [page, why] of [
			[first, 'a test purchase'],
			[second, 'also a test'],
		] as const) {
			const card = item(page, reviewId);
			await card.getByPlaceholder('e.g. a test purchase').fill(why);
			await submit(page, card.getByRole('button', { name: 'Dismiss' }));
		}
		assert.match((await second.getByRole('alert').first().textContent()) ?? '', new RegExp(`already resolved by ${AUTH.user} at \\d{4}-.*dismissed: a test purchase\\. Nothing was done again`));
		await second.screenshot({ path: join(ARTIFACTS_DIR, 'review-desk-two-tabs.png'), fullPage: true });
		assert.equal(await n8n.withLedger(async (ledger) => (await ledger.review.get(reviewId))?.resolution), 'dismissed: a test purchase');
		await context.close();
	});

	it('no request left n8n, no console error (the strict CSP held), no script ran', () => {
		const origin = new URL(url()).origin;
		assert.deepEqual(
			requested.filter((u) => !u.startsWith(origin)),
			[],
		);
		assert.deepEqual(
			consoleErrors.filter((m) => !/^Failed to load resource: the server responded with a status of (400|401|404)\b/.test(m)),
			[],
		);
		assert.deepEqual(dialogs, []);
	});
});
