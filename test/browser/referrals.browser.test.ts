import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { readFileSync } from 'node:fs';

import { Ledger, openStore } from '../../ledger';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ARTIFACTS_DIR, launchChromium, serveLandingSite, type LandingSite } from '../support/browser';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { signupTemplateAllowing } from '../support/signup-template';

/**
 * Referral links in a real browser against a real n8n running the signup template: a signup's
 * thank-you page shows their place and link; a friend who lands on the link (on the hosted form, or
 * on the creator's own page with the snippet, then signs up on another page of that site) moves the
 * referrer's count up by one; the status page shows it; a tampered status link is refused. A second
 * capture of the same launch at another path has *Show Leaderboard on Status Page* on: its status
 * page adds the top referrers by first name and initial, and nothing else about them.
 */

/** A second copy of the signup template on the same n8n, with Double Opt-In on (n8n sends the email) in a launch of its own. */
function optInTemplate(): ReturnType<typeof signupTemplateAllowing> {
	const wf = signupTemplateAllowing('https://unused.example.com');
	wf.id = 'wlSignupOptIn001';
	wf.name = 'Waitlist signup (double opt-in)';
	const trigger = wf.nodes.find((n) => n.type.endsWith('.waitlistCaptureTrigger'))! as { parameters: Record<string, unknown>; webhookId?: string };
	trigger.webhookId = '5b0c3a5e-0000-4000-8000-00000000f019';
	Object.assign(trigger.parameters, { path: 'waitlist-optin', launch: 'optin' });
	trigger.parameters.settings = { ...(trigger.parameters.settings as object), doubleOptIn: 'n8n' };
	return wf;
}

/** The launch-day capture at …/waitlist-board, same launch, with the leaderboard on (off by default). */
function leaderboardCapture() {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'launch-day-capture.json'), 'utf8')) as { id: string; name: string; nodes: Array<{ type: string; webhookId?: string; parameters: Record<string, unknown> }>; connections: unknown };
	wf.id = 'wlLeaderboard001';
	wf.name = 'Capture with leaderboard';
	const trigger = wf.nodes.find((n) => n.type.endsWith('.waitlistCaptureTrigger'))!;
	trigger.webhookId = '5b0a7d1e-2c3f-4e5a-8b6c-7d8e9f0a1b2c';
	trigger.parameters.path = 'waitlist-board';
	trigger.parameters.settings = { ...((trigger.parameters.settings as object | undefined) ?? {}), showLeaderboard: true };
	return wf;
}

function landingPage(n8n: E2eN8n, title: string): string {
	const action = n8n.webhookUrl('waitlist-signup');
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script src="${action}/snippet.js" data-consent="always"></script></head>
<body><h1>${title}</h1>
<form data-waitlist-ledger action="${action}" method="post">
  <label>Email <input name="email" type="email"></label>
  <button type="submit">Join</button>
</form></body></html>`;
}

describe('browser: referral links, place in line and the status page (headless Chromium, real n8n)', () => {
	let n8n: E2eN8n;
	let site: LandingSite;
	let browser: Browser;
	let ledger: Ledger;
	let referralLink = '';
	let statusLink = '';

	before(async () => {
		const pages: Record<string, string> = {};
		site = await serveLandingSite(pages);
		n8n = await startE2eN8n({ workflows: [signupTemplateAllowing(site.origin), optInTemplate(), leaderboardCapture()] });
		Object.assign(pages, { '/landing': landingPage(n8n, 'Spring course'), '/pricing': landingPage(n8n, 'Pricing') });
		browser = await launchChromium();
		ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
	});
	after(async () => {
		await ledger?.close();
		await browser?.close();
		await site?.close();
		await n8n?.stop();
	});

	async function joinOnHostedForm(page: Page, url: string, email: string): Promise<void> {
		await page.goto(url);
		await page.getByLabel('Email', { exact: true }).fill(email);
		await page.waitForTimeout(2_100); // the form is signed with the time it was shown; bots are faster
		await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
	}

	async function referralsOf(email: string) {
		const found = await ledger.contacts.find({ launch: 'default', kind: 'email', value: email });
		assert.ok(found, `${email} should be in the ledger`);
		return (await ledger.referrals.standing({ launch: 'default', contactId: found.id })).referrals;
	}

	it('the thank-you page shows a new signup their place, their referral link and their status link', async () => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await joinOnHostedForm(page, n8n.webhookUrl('waitlist-signup'), 'host@example.com');
		const text = (await page.textContent('body')) ?? '';
		assert.match(text, /You are number 1 of 1 in line/);
		referralLink = (await page.locator('.link a').getAttribute('href')) ?? '';
		assert.match(referralLink, /\/waitlist-signup\?ref=[0-9A-Z]{8}$/, 'the hosted form is the landing page when none is set');
		statusLink = (await page.getByRole('link', { name: 'your status page' }).getAttribute('href')) ?? '';
		assert.match(statusLink, /\/waitlist-signup\/status\?token=/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'referral-thank-you.png'), fullPage: true });
		// The same address again: told it is on the list, never shown its place or links.
		await joinOnHostedForm(page, n8n.webhookUrl('waitlist-signup'), 'host@example.com');
		const again = (await page.textContent('body')) ?? '';
		assert.match(again, /already on the list/);
		assert.doesNotMatch(again, /in line|ref=/);
		await context.close();
	});

	it('a friend who opens the referral link and joins raises the referrer’s count by one', async () => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await joinOnHostedForm(page, referralLink, 'friend@example.com');
		assert.match((await page.textContent('body')) ?? '', /You are number \d of 2 in line/);
		await context.close();
		assert.deepEqual(await referralsOf('host@example.com'), { counted: 1, pending: 0 });
	});

	it('snippet: landing with ?ref= on the creator’s site, signing up on another page of it, credits the referrer', async () => {
		const code = new URL(referralLink).searchParams.get('ref')!;
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${site.origin}/landing?ref=${code}`);
		await page.goto(`${site.origin}/pricing`);
		await page.fill('input[name=email]', 'reader@example.com');
		await page.waitForTimeout(2_100);
		await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
		assert.match((await page.textContent('body')) ?? '', /on the list/i);
		await context.close();
		assert.deepEqual(await referralsOf('host@example.com'), { counted: 2, pending: 0 });
	});

	it('the status page shows the place and the count; a tampered link is refused and says what to do', async () => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		const response = await page.goto(statusLink);
		assert.equal(response?.status(), 200);
		const text = (await page.textContent('body')) ?? '';
		assert.match(text, /You are number 1 of 3 in line/);
		assert.match(text, /2 friends have joined through your link/);
		assert.doesNotMatch(text, /friend@example.com|reader@example.com/, 'nothing about other people');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'referral-status.png'), fullPage: true });
		const url = new URL(statusLink);
		const token = url.searchParams.get('token')!;
		url.searchParams.set('token', `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`);
		const tampered = await page.goto(url.toString());
		assert.equal(tampered?.status(), 404);
		assert.match((await page.textContent('body')) ?? '', /not valid/);
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(statusLink);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'referral-status-phone.png'), fullPage: true });
		await context.close();
	});

	it('double opt-in: the emailed link confirms once and releases the syncs; a tampered link is refused (desktop and phone)', async () => {
		const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 800 } });
		const page = await context.newPage();
		await joinOnHostedForm(page, n8n.webhookUrl('waitlist-optin'), 'optin@example.com');
		assert.match((await page.textContent('body')) ?? '', /check your inbox: click the link/);
		const found = await ledger.contacts.find({ launch: 'optin', kind: 'email', value: 'optin@example.com' });
		assert.ok(found);
		const syncs = async () => (await ledger.outbox.list({ launch: 'optin', kinds: ['esp_sync', 'crm_sync'] })).map((e) => e.status).sort();
		assert.deepEqual(await syncs(), ['unconfirmed', 'unconfirmed'], 'Kit and HubSpot wait for the confirmation');
		// What the Send Email node mails: the link the ledger put in the confirmation email's entry.
		const [email] = await ledger.outbox.list({ launch: 'optin', kinds: ['optin_email'] });
		const confirmLink = String(email?.payload.confirmLink);
		assert.ok(confirmLink.startsWith(`${n8n.webhookUrl('waitlist-optin')}/confirm?token=`), confirmLink);

		// The link shows a button; opening it (as mail scanners do) confirms nothing.
		const first = await page.goto(confirmLink);
		assert.equal(first?.status(), 200);
		assert.match((await page.textContent('h1')) ?? '', /Confirm your email/);
		assert.deepEqual(await syncs(), ['unconfirmed', 'unconfirmed'], 'opening the link confirms nothing');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'optin-ask.png'), fullPage: true });
		await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
		assert.match((await page.textContent('h1')) ?? '', /You're confirmed/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'optin-confirmed.png'), fullPage: true });
		assert.deepEqual(await syncs(), ['pending', 'pending'], 'released for the outbox drain');
		const again = await page.goto(confirmLink);
		assert.equal(again?.status(), 200);
		assert.match((await page.textContent('h1')) ?? '', /Already confirmed/);
		const history = await ledger.contacts.history(found.id);
		assert.equal(history.filter((e) => e.type === 'optin.confirmed').length, 1, 'confirmed once');

		const url = new URL(confirmLink);
		const token = url.searchParams.get('token')!;
		url.searchParams.set('token', `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`);
		const tampered = await page.goto(url.toString());
		assert.equal(tampered?.status(), 400);
		assert.match((await page.textContent('body')) ?? '', /This link is not valid/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'optin-refused.png'), fullPage: true });
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(confirmLink);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'optin-already-phone.png'), fullPage: true });
		await page.goto(url.toString());
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'optin-refused-phone.png'), fullPage: true });
		await context.close();
	});

	it('leaderboard (an option, off by default): the top referrers by first name and initial with their counts, nothing else about them', async () => {
		const ada = await n8n.post('waitlist-signup', { email: 'ada.lovelace@example.com', first_name: 'Ada', last_name: 'Lovelace' }, { accept: 'application/json' });
		assert.equal(ada.status, 201);
		const adaId = (await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'ada.lovelace@example.com' }))!.id;
		const code = (await ledger.referrals.standing({ launch: 'default', contactId: adaId })).code;
		for (let i = 0; i < 3; i++) assert.equal((await n8n.post('waitlist-signup', { email: `ada-friend${i}@example.com`, ref: code }, { accept: 'application/json' })).status, 201);
		const board = new URL(statusLink);
		board.pathname = board.pathname.replace('/waitlist-signup/', '/waitlist-board/');

		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		assert.equal((await page.goto(board.toString()))?.status(), 200);
		const rows = await page.locator('ol.leaderboard li').allTextContents();
		assert.deepEqual(rows.map((r) => r.replace(/\s+/g, ' ').trim()), ['Ada L. 3 friends', 'Someone 2 friends'], 'the host has no first name: "Someone"');
		const text = (await page.textContent('body')) ?? '';
		assert.match(text, /You are number \d of 7 in line/);
		assert.doesNotMatch(text, /@example\.com|Lovelace/, 'no address, no full last name');
		assert.equal(await page.locator('a').count(), 1, 'one link on the page: the person\'s own');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'referral-status-leaderboard.png'), fullPage: true });
		await page.setViewportSize({ width: 390, height: 844 });
		await page.reload();
		assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'fits a phone');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'referral-status-leaderboard-phone.png'), fullPage: true });
		// The signup template's own status page: the option is off there, no leaderboard.
		await page.goto(statusLink);
		assert.equal(await page.locator('ol.leaderboard').count(), 0);
		assert.doesNotMatch((await page.textContent('body')) ?? '', /Top referrers|Ada/);
		await context.close();
	});
});
