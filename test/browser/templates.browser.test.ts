/**
 * The templates as a creator first sees them: a fresh `npm start`, the owner account created on
 * n8n's own setup page, then each template's canvas opened in n8n's editor (headless Chromium),
 * screenshotted into test-artifacts/, and checked on what n8n really drew — no sticky note over a
 * node or another note, no sticky text cut off, no markdown marker (`*`, `_`, backtick) left
 * standing in the rendered text. One n8n for the whole file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { listTemplateFiles } from '../../scripts/lib/n8n-instance';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser';
import { drawnOverlaps, readCanvas, strayMarkers } from '../support/canvas-check';
import { runNpmStart, type NpmStart } from '../support/npm-start';

const OWNER = { email: 'creator@example.com', firstName: 'Ada', lastName: 'Creator', password: 'Launch-day-2026' };

describe('browser: the templates on n8n’s canvas after a fresh npm start', { timeout: 20 * 60_000 }, () => {
	let app: NpmStart;
	let browser: Browser;
	let page: Page;

	before(async () => {
		app = await runNpmStart();
		browser = await launchChromium();
		page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
	});
	after(async () => {
		await browser?.close();
		await app?.dispose();
	});

	it('the first visit opens n8n’s owner setup; the owner account is created there', async () => {
		await page.goto(app.baseUrl);
		await page.waitForURL(/\/setup/);
		await page.screenshot({ path: join(ARTIFACTS_DIR, 'n8n-owner-setup.png') });
		await page.fill('input[name=email]', OWNER.email);
		await page.fill('input[name=firstName]', OWNER.firstName);
		await page.fill('input[name=lastName]', OWNER.lastName);
		await page.fill('input[name=password]', OWNER.password);
		await page.click('[data-test-id=form-submit-button]');
		await page.waitForURL((url) => !url.pathname.startsWith('/setup'));
		// Asked outside the browser: n8n signs a session out when its cookie comes without the editor's
		// browser-id header, which page.request would do.
		const settings = (await (await fetch(`${app.baseUrl}/rest/settings`)).json()) as { data: { userManagement: { showSetupOnFirstLoad: boolean } } };
		assert.equal(settings.data.userManagement.showSetupOnFirstLoad, false, 'n8n has its owner');
	});

	for (const path of listTemplateFiles()) {
		const file = basename(path);
		const template = JSON.parse(readFileSync(path, 'utf8')) as { id: string; name: string; nodes: unknown[] };
		it(`${file}: no sticky note covers a node or another note, none is cut off, and its markdown renders`, async () => {
			await page.goto(`${app.baseUrl}/workflow/${template.id}`);
			const screenshot = join(ARTIFACTS_DIR, `canvas-${file.replace(/\.json$/, '')}.png`);
			// n8n fits the whole workflow into view once every node is drawn. (A string, not a function:
			// the test's TypeScript transform may add helpers the page does not have.)
			await page
				.waitForFunction(`document.querySelectorAll('.vue-flow__node').length === ${template.nodes.length}`, undefined, { timeout: 60_000 })
				.catch(async (error: Error) => {
					await page.screenshot({ path: screenshot });
					throw new Error(`n8n did not draw the ${template.nodes.length} nodes of ${file} (screenshot: ${screenshot}): ${error.message}`);
				});
			await page.waitForTimeout(1_000);
			await page.screenshot({ path: screenshot });
			const canvas = await readCanvas(page);
			assert.equal(canvas.nodes.length + canvas.stickies.length, template.nodes.length, 'every node of the template is on the canvas');
			assert.deepEqual(drawnOverlaps(canvas), []);
			assert.deepEqual(canvas.stickies.filter((s) => s.overflows).map((s) => `sticky note "${s.name}" is cut off: its text is taller than the note`), []);
			assert.deepEqual(canvas.stickies.flatMap(strayMarkers), []);
			assert.ok(canvas.stickies.every((s) => s.prose.trim().length > 0), 'every sticky note shows its text');
		});
	}
});
