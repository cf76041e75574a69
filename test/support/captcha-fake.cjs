/**
 * A fake Cloudflare Turnstile siteverify INSIDE a real n8n process (preloaded after vendor-fakes.cjs
 * with NODE_OPTIONS; see test/e2e/abuse-signals.e2e.test.ts). It answers as Turnstile documents:
 * { success, error-codes }. The token "pass-token" with the secret in WL_CAPTCHA_SECRET passes; any
 * other token fails with invalid-input-response; a wrong secret fails with invalid-input-secret.
 * Plain CommonJS on purpose: it loads before n8n, without tsx.
 */
'use strict';

const { join } = require('node:path');

const nockModule = require(join(__dirname, '..', '..', 'node_modules', 'nock'));
const nock = nockModule.default || nockModule;

const SECRET = process.env.WL_CAPTCHA_SECRET;
if (!SECRET) throw new Error('captcha-fake: WL_CAPTCHA_SECRET is not set');

nock('https://challenges.cloudflare.com')
	.persist()
	.post('/turnstile/v0/siteverify')
	.reply(async (incoming) => {
		const form = new URLSearchParams(await incoming.text());
		if (form.get('secret') !== SECRET) return [200, { success: false, 'error-codes': ['invalid-input-secret'] }];
		if (form.get('response') !== 'pass-token') return [200, { success: false, 'error-codes': ['invalid-input-response'] }];
		return [200, { success: true, 'error-codes': [], hostname: 'localhost' }];
	});
nock.enableNetConnect();
