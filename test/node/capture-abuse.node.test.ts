import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import nock from 'nock';

import { closeAllLedgers, getLedger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, type FakeRequest, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The capture trigger's abuse signals, in-process: the CAPTCHA checked server-side with the provider
 * (Cloudflare Turnstile and hCaptcha faked with nock), flagged signups still answered 201 and saved,
 * the refuse option answering 400 naming captchaToken, a provider outage never losing the signup,
 * held syncs not handed to the run, and the widget on the hosted form and in the snippet.
 */

const TRIGGER = 'Waitlist Capture Trigger';
const template = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'waitlist-signup.json'), 'utf8')) as WorkflowJson;
const SECRET_KEY = 'turnstile-secret-for-tests';

/** The signup template's trigger alone (the vendor steps are the signup template's own tests), with these parameters. */
function captureWorkflow(launch: string, parameters: Record<string, unknown>): WorkflowJson {
	const trigger = JSON.parse(JSON.stringify(template.nodes.find((n) => n.name === TRIGGER)!)) as WorkflowJson['nodes'][number];
	trigger.parameters = { ...trigger.parameters, launch, ...parameters } as typeof trigger.parameters;
	return { ...template, nodes: [trigger], connections: {} };
}

type SignupItem = { contactId: string; abuse: { signals: string[]; flagged: boolean; heldSync: string[] }; sync: Record<string, unknown>; pendingSync: Array<{ status: string }> };

for (const driver of DRIVERS) {
	describe(`[${driver}] capture trigger: abuse signals and CAPTCHA (providers faked with nock)`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
			nock.disableNetConnect();
		});
		afterEach(() => nock.cleanAll());
		after(async () => {
			nock.enableNetConnect();
			await closeAllLedgers();
			await db.drop();
		});

		const credentials = () => ({ ...ledgerCredentialFor(db.config), captchaSecretApi: { secretKey: SECRET_KEY } });
		const post = (workflow: WorkflowJson, body: Record<string, unknown>) =>
			runWebhook(workflow, { node: TRIGGER, request: { body, headers: { 'content-type': 'application/json' } }, credentials: credentials() });
		const turnstile = (answer: object, seen: string[] = []) =>
			nock('https://challenges.cloudflare.com')
				.post('/turnstile/v0/siteverify', (body: Record<string, string>) => (seen.push(new URLSearchParams(body).toString()), true))
				.reply(200, answer);

		it('Turnstile passes: 201, nothing flagged; the provider got the secret key, the token and the sender', async () => {
			const seen: string[] = [];
			const scope = turnstile({ success: true, 'error-codes': [] }, seen);
			const { response, workflow } = await post(captureWorkflow('cap-pass', { captcha: 'turnstile', captchaSiteKey: 'site-1' }), { email: 'pass@example.com', captchaToken: 'good-token' });
			assert.equal(response.status, 201);
			assert.ok(scope.isDone());
			const sent = new URLSearchParams(seen[0]);
			assert.deepEqual([sent.get('secret'), sent.get('response'), sent.get('remoteip')], [SECRET_KEY, 'good-token', '127.0.0.1']);
			assert.deepEqual((workflow?.output(TRIGGER)[0] as SignupItem).abuse, { signals: [], flagged: false, heldSync: [] });
		});

		it('Turnstile says no: the signup is still saved and answered 201, flagged captcha_failed and listed on the review desk', async () => {
			turnstile({ success: false, 'error-codes': ['invalid-input-response'] });
			const { response, workflow } = await post(captureWorkflow('cap-flag', { captcha: 'turnstile' }), { email: 'flag@example.com', 'cf-turnstile-response': 'bad-token' });
			assert.equal(response.status, 201);
			const item = workflow?.output(TRIGGER)[0] as SignupItem;
			assert.deepEqual([item.abuse.signals, item.abuse.flagged], [['captcha_failed'], true]);
			const ledger = await getLedger(db.config);
			const listed = (await ledger.review.flaggedSignups('cap-flag')).items;
			assert.deepEqual(listed.map((l) => [l.email, l.flags.map((f) => [f.signal, f.detail.detail])]), [['flag@example.com', [['captcha_failed', 'invalid-input-response']]]]);
		});

		it('with "Refuse the Signup": a rejected or missing token is answered 400 naming captchaToken, and nothing is saved or run', async () => {
			turnstile({ success: false, 'error-codes': ['timeout-or-duplicate'] });
			const workflowJson = captureWorkflow('cap-refuse', { captcha: 'turnstile', abuse: { captchaFailure: 'refuse' } });
			const rejected = await post(workflowJson, { email: 'refused@example.com', captchaToken: 'used-token' });
			assert.equal(rejected.response.status, 400);
			const body = rejected.response.body as { error: string; errors: Array<{ field: string; reason: string }> };
			assert.deepEqual([body.error, body.errors[0]!.field], ['captcha_failed', 'captchaToken']);
			assert.match(body.errors[0]!.reason, /timeout-or-duplicate/);
			assert.equal(rejected.workflow, undefined);
			const missing = await post(workflowJson, { email: 'refused@example.com' });
			assert.deepEqual([missing.response.status, (missing.response.body as { errors: Array<{ field: string }> }).errors[0]!.field], [400, 'captchaToken']);
			const ledger = await getLedger(db.config);
			assert.equal(await ledger.contacts.count('cap-refuse'), 0);
			assert.equal((await ledger.capture.rejections('cap-refuse')).length, 2, 'both refusals are recorded');
		});

		it('hCaptcha unreachable: the signup is kept (201) and flagged captcha_unchecked, even with "Refuse the Signup"', async () => {
			const scope = nock('https://api.hcaptcha.com').post('/siteverify').replyWithError('connect ECONNREFUSED');
			const { response, workflow } = await post(captureWorkflow('cap-outage', { captcha: 'hcaptcha', abuse: { captchaFailure: 'refuse' } }), { email: 'outage@example.com', 'h-captcha-response': 'tok' });
			assert.ok(scope.isDone());
			assert.equal(response.status, 201);
			assert.deepEqual((workflow?.output(TRIGGER)[0] as SignupItem).abuse.signals, ['captcha_unchecked']);
			assert.equal(await (await getLedger(db.config)).contacts.count('cap-outage'), 1);
		});

		it('Hold Flagged Signups From Sync: a disposable address is saved (201) but the run gets no sync to send; Clear releases it', async () => {
			const workflowJson = captureWorkflow('cap-hold', { abuse: { holdFlaggedSync: true, extraDisposableDomains: 'burner.example' } });
			const { response, workflow } = await post(workflowJson, { email: 'someone@mail.burner.example' });
			assert.equal(response.status, 201);
			const item = workflow?.output(TRIGGER)[0] as SignupItem;
			assert.deepEqual([item.abuse.signals, item.sync, item.pendingSync.map((p) => p.status)], [['disposable_domain'], {}, ['flagged', 'flagged']]);
			const ledger = await getLedger(db.config);
			await ledger.review.clearFlagged({ launch: 'cap-hold', contactId: item.contactId, by: 'ops@example.com' });
			assert.deepEqual((await ledger.outbox.list({ launch: 'cap-hold', contactId: item.contactId })).map((e) => e.status), ['pending', 'pending']);
		});

		it('the hosted form and the snippet show the widget with the site key; the form page\'s CSP allows only that provider', async () => {
			const workflowJson = captureWorkflow('cap-widget', { captcha: 'turnstile', captchaSiteKey: '0xSITE"KEY' });
			const page = await runWebhook(workflowJson, { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-signup', headers: { accept: 'text/html' } } as FakeRequest, credentials: credentials() });
			const html = String(page.response.body);
			assert.match(html, /<div class="cf-turnstile" data-sitekey="0xSITE&quot;KEY"><\/div>/);
			assert.match(html, /<script src="https:\/\/challenges\.cloudflare\.com\/turnstile\/v0\/api\.js" async defer><\/script>/);
			const csp = page.response.headers['content-security-policy']!;
			assert.match(csp, /script-src https:\/\/challenges\.cloudflare\.com(;|$)/);
			assert.match(csp, /frame-src https:\/\/challenges\.cloudflare\.com/);
			const snippet = await runWebhook(workflowJson, { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-signup/snippet.js' } as FakeRequest, credentials: credentials() });
			assert.match(String(snippet.response.body), /"captcha":\{"script":"https:\/\/challenges\.cloudflare\.com\/turnstile\/v0\/api\.js","className":"cf-turnstile","siteKey":"0xSITE\\"KEY"\}/);
			const plain = await runWebhook(captureWorkflow('cap-widget', {}), { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-signup', headers: { accept: 'text/html' } } as FakeRequest, credentials: credentials() });
			assert.doesNotMatch(String(plain.response.body), /<script/);
			assert.doesNotMatch(plain.response.headers['content-security-policy']!, /script-src/);
		});
	});
}
