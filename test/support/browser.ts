/**
 * Headless Debian Chromium through playwright-core (never a downloaded browser), and a tiny
 * "creator's landing page" server on its own origin for snippet tests.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

import { chromium, type Browser } from 'playwright-core';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(PACKAGE_ROOT, 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
	if (!existsSync(CHROMIUM_PATH)) {
		throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium (.ci/run does this)`);
	}
	mkdirSync(ARTIFACTS_DIR, { recursive: true });
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
	});
}

export interface LandingSite {
	origin: string;
	close(): Promise<void>;
}

/** Serves HTML pages by path (query strings ignored), like a creator's own site would. */
export async function serveLandingSite(pages: Record<string, string>): Promise<LandingSite> {
	const server: Server = createServer((req, res) => {
		const path = (req.url ?? '/').split('?')[0]!;
		const page = pages[path];
		if (page === undefined) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			return;
		}
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		// "localhost" rather than 127.0.0.1: a different origin from n8n's localhost:<port> anyway.
		origin: `http://localhost:${port}`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
