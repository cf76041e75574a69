import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { Ledger, openStore } from '../../ledger';
import { ARTIFACTS_DIR, launchChromium, serveLandingSite, type LandingSite } from '../support/browser';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { signupTemplateAllowing } from '../support/signup-template';

/**
 * What a visitor's browser does with the hosted form and the landing-page snippet, against a real
 * n8n running the signup template. The landing site is a separate origin, like a creator's own site.
 */

function landingPage(n8n: E2eN8n, consent: 'always' | 'checkbox' | 'never', title: string): string {
	const action = n8n.webhookUrl('waitlist-signup');
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script src="${action}/snippet.js" data-consent="${consent}"></script></head>
<body><h1>${title}</h1>
<form data-waitlist-ledger action="${action}" method="post">
  <label>Email <input name="email" type="email"></label>
  <label><input type="checkbox" name="consent" value="yes"> Email me</label>
  <button type="submit">Join</button>
</form></body></html>`;
}

describe('browser: hosted form and landing-page snippet (headless Chromium, real n8n)', () => {
	let n8n: E2eN8n;
	let site: LandingSite;
	let browser: Browser;
	let ledger: Ledger;

	before(async () => {
		// The landing site first: its origin is the one setting a creator makes for the snippet to work
		// on their own site (Options → Allowed Origins). Its pages need n8n's URL, so they come after.
		const pages: Record<string, string> = {};
		site = await serveLandingSite(pages);
		n8n = await startE2eN8n({ workflows: [signupTemplateAllowing(site.origin)] });
		Object.assign(pages, {
			'/landing': landingPage(n8n, 'always', 'Spring course'),
			'/pricing': landingPage(n8n, 'always', 'Pricing'),
			'/landing-consent': landingPage(n8n, 'checkbox', 'Spring course (asks consent)'),
			'/pricing-consent': landingPage(n8n, 'checkbox', 'Pricing (asks consent)'),
		});
		browser = await launchChromium();
		ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
	});
	after(async () => {
		await ledger?.close();
		await browser?.close();
		await site?.close();
		await n8n?.stop();
	});

	async function contactByEmail(email: string) {
		const found = await ledger.contacts.find({ launch: 'default', kind: 'email', value: email });
		assert.ok(found, `${email} should be in the ledger`);
		return found;
	}

	it('snippet: UTMs on the landing page URL reach the ledger with the signup', async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${site.origin}/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch&gclid=G-42`);
		await page.fill('input[name=email]', 'snippet@example.com');
		await page.check('input[name=consent]'); // with consent the click id and the page address are kept as sent (issue 18)
		await page.waitForTimeout(2_100); // the snippet stamps when the page was shown; bots are faster
		await Promise.all([page.waitForURL(/webhook\/waitlist-signup/), page.click('button[type=submit]')]);
		assert.match(await page.textContent('body') ?? '', /on the list/i);
		const contact = await contactByEmail('snippet@example.com');
		assert.equal(contact.firstTouch?.utm_source, 'newsletter');
		assert.equal(contact.firstTouch?.utm_campaign, 'spring-launch');
		assert.equal(contact.firstTouch?.gclid, 'G-42');
		assert.match(contact.firstTouch?.landing_url ?? '', /\/landing\?utm_source=newsletter/);
		await context.close();
	});

	it('snippet: arriving with UTMs, moving to a page without them, then signing up keeps the UTMs (cookie)', async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${site.origin}/landing?utm_source=podcast&utm_campaign=episode-12`);
		const cookies = await context.cookies(site.origin);
		const remembered = cookies.find((c) => c.name === 'wl_attr');
		assert.ok(remembered, 'consent "always" writes the first-party cookie on arrival');
		assert.ok(remembered.expires > Date.now() / 1000 + 29 * 86_400, 'kept for 30 days');

		await page.goto(`${site.origin}/pricing`);
		assert.equal(new URL(page.url()).search, '', 'the second page has no query string');
		await page.fill('input[name=email]', 'cookie@example.com');
		await page.waitForTimeout(2_100);
		await Promise.all([page.waitForURL(/webhook\/waitlist-signup/), page.click('button[type=submit]')]);
		const contact = await contactByEmail('cookie@example.com');
		assert.equal(contact.firstTouch?.utm_source, 'podcast');
		assert.equal(contact.firstTouch?.utm_campaign, 'episode-12');
		await context.close();
	});

	it('snippet: consent withheld writes no cookie, and the signup still carries the UTMs of the page', async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${site.origin}/landing-consent?utm_source=twitter&utm_campaign=teaser`);
		await page.fill('input[name=email]', 'noconsent@example.com');
		await page.waitForTimeout(2_100);
		assert.equal((await context.cookies(site.origin)).length, 0, 'nothing is written before consent');
		await Promise.all([page.waitForURL(/webhook\/waitlist-signup/), page.click('button[type=submit]')]);
		assert.equal((await context.cookies(site.origin)).filter((c) => c.name === 'wl_attr').length, 0, 'nor after a signup without consent');
		const contact = await contactByEmail('noconsent@example.com');
		assert.equal(contact.firstTouch?.utm_source, 'twitter');
		assert.deepEqual(contact.consent, {}, 'no consent recorded');
		assert.equal(contact.firstTouch?.landing_url, site.origin, 'without consent the landing page is kept as its site only (issue 18)');

		// Ticking the box is consent: now the cookie may be written.
		const second = await context.newPage();
		await second.goto(`${site.origin}/landing-consent?utm_source=twitter&utm_campaign=teaser`);
		await second.check('input[name=consent]');
		assert.equal((await context.cookies(site.origin)).filter((c) => c.name === 'wl_attr').length, 1);
		await context.close();
	});

	it('hosted form works with JavaScript disabled, keeps UTMs from its URL, and is screenshotted', async () => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${n8n.webhookUrl('waitlist-signup')}?utm_source=instagram&utm_medium=social&utm_campaign=reel-3`);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'hosted-form.png'), fullPage: true });
		assert.equal(await page.getByLabel('Email', { exact: true }).count(), 1, 'the email field has an accessible label');
		assert.equal(await page.getByLabel('First name (optional)', { exact: true }).count(), 1);
		await page.getByLabel('Email', { exact: true }).fill('nojs@example.com');
		await page.getByLabel('First name (optional)', { exact: true }).fill('Noa');
		await page.check('input[name=consent]');
		await page.waitForTimeout(2_100);
		await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
		assert.match(await page.textContent('body') ?? '', /on the list/i);
		const contact = await contactByEmail('nojs@example.com');
		assert.equal(contact.firstTouch?.utm_source, 'instagram');
		assert.equal(contact.profile.first_name, 'Noa');
		assert.equal(contact.consent.marketing, true);
		await context.close();
	});

	it('hosted form shows errors next to the fields, keeps what was typed, and escapes HTML in it', async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		let dialogs = 0;
		page.on('dialog', async (dialog) => {
			dialogs += 1;
			await dialog.dismiss();
		});
		await page.goto(n8n.webhookUrl('waitlist-signup'));
		const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
		await page.getByLabel('First name (optional)', { exact: true }).fill(hostile);
		await page.getByLabel('Email', { exact: true }).fill('not-an-email');
		await page.waitForTimeout(2_100);
		const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
		assert.equal(response.status(), 422);
		await page.waitForLoadState('load');
		assert.equal(await page.getByRole('alert').count(), 1, 'an error summary is announced');
		assert.equal(await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid'), 'true');
		assert.equal(await page.getByLabel('First name (optional)', { exact: true }).inputValue(), hostile, 'the typed value comes back as text');
		assert.equal(await page.locator('img[src=x]').count(), 0, 'no markup from the input is rendered');
		assert.equal(dialogs, 0, 'no script from the input ran');
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'hosted-form-errors.png'), fullPage: true });
		await context.close();
	});
});
