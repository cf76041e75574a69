import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { DASHBOARD_AUTH, monitorTemplate } from '../support/monitor-template';
import { startE2eN8n, type E2eN8n, type VendorRequest } from '../support/n8n-e2e';
import { waitFor } from '../support/wait';

/**
 * Abuse signals on a real n8n: the launch-day capture with a Turnstile CAPTCHA (faked inside n8n,
 * test/support/captcha-fake.cjs), an extra disposable domain and "Hold Flagged Signups From Sync"; the
 * MailerLite piece draining email syncs (vendor fakes). A flagged signup is answered 201 and saved,
 * shows on the dashboard's signals.json and on the review desk's Flagged signups; its email sync
 * waits until Clear on the desk, then reaches MailerLite once.
 */

/** What the fake siteverify accepts (not a real key; the fake reads it from WL_CAPTCHA_SECRET). */
const FAKE_CAPTCHA_KEY = ['turnstile', 'e2e', 'fake'].join('-');
/** Cloudflare's documented always-passes test site key: public by design (it is printed on every form page). */
const SITE_KEY = ['1x', '0'.repeat(20), 'AA'].join('');
const DESK_LOGIN = { user: 'review-team', password: 'a long review-desk password' };
const DESK_AUTH = `Basic ${Buffer.from(`${DESK_LOGIN.user}:${DESK_LOGIN.password}`).toString('base64')}`;
const CREDENTIALS = [
	{ id: 'wlFakeMailerLite', name: 'MailerLite (vendor fake)', type: 'mailerLiteApi', data: { apiKey: 'ml-test-key', classicApi: false } },
	{ id: 'wlReviewDeskAuth', name: 'Review desk login', type: 'httpBasicAuth', data: DESK_LOGIN },
	{ id: 'wlCaptchaSecret01', name: 'Turnstile (fake)', type: 'captchaSecretApi', data: { secretKey: FAKE_CAPTCHA_KEY } },
];

interface WorkflowNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}
type Workflow = { id: string; name: string; nodes: WorkflowNode[]; connections: unknown };

const load = (...path: string[]) => JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', ...path), 'utf8')) as Workflow;
const ref = (c: { id: string; name: string }) => ({ id: c.id, name: c.name });

function captureWorkflow(): Workflow {
	const wf = load('launch-day-capture.json');
	const trigger = wf.nodes.find((n) => n.type === 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger')!;
	trigger.parameters = {
		...trigger.parameters,
		captcha: 'turnstile',
		captchaSiteKey: SITE_KEY,
		settings: { syncKinds: ['esp_sync'] },
		abuse: { extraDisposableDomains: 'burner.example', holdFlaggedSync: true },
	};
	trigger.credentials = { ...(trigger.credentials ?? {}), captchaSecretApi: ref(CREDENTIALS[2]!) };
	return wf;
}

function mailerLitePiece(): Workflow {
	const wf = load('vendors', 'esp-mailerlite.json');
	for (const node of wf.nodes) {
		if (node.type === 'n8n-nodes-base.mailerLite') node.credentials = { mailerLiteApi: ref(CREDENTIALS[0]!) };
		if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 2 }] };
	}
	return wf;
}

function reviewDesk(): Workflow {
	const wf = load('review-desk.json');
	for (const node of wf.nodes) if (node.type === 'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger') node.credentials = { httpBasicAuth: ref(CREDENTIALS[1]!) };
	return wf;
}

const mailerLiteWrites = (requests: VendorRequest[], email: string) =>
	requests.filter((r) => r.fake === 'mailerlite' && r.outcome === 'ok' && r.method === 'POST' && JSON.stringify(r.body).includes(email));

describe('real n8n: abuse signals at capture — flagged, shown on the monitor and the review desk, held sync released by Clear', { timeout: 10 * 60_000 }, () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	before(async () => {
		channels = await startFakeChannels();
		const monitor = monitorTemplate(channels);
		n8n = await startE2eN8n({
			workflows: [captureWorkflow(), mailerLitePiece(), reviewDesk(), monitor.workflow],
			credentials: [...CREDENTIALS, ...monitor.credentials],
			vendorFakes: {},
			env: {
				WL_CAPTCHA_SECRET: FAKE_CAPTCHA_KEY,
				NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${join(PACKAGE_ROOT, 'test', 'support', 'vendor-fakes.cjs')}`, `--require ${join(PACKAGE_ROOT, 'test', 'support', 'captcha-fake.cjs')}`].filter(Boolean).join(' '),
			},
		});
	});
	after(async () => {
		await n8n?.stop();
		await channels?.close();
	});

	it('a passed CAPTCHA goes straight out; a disposable address and a failed CAPTCHA are saved (201), flagged, listed, and held until Clear', async () => {
		const clean = await n8n.post('waitlist-signup', { email: 'real.person@example.com', captchaToken: 'pass-token' });
		assert.equal(clean.status, 201, await clean.text());
		const burner = await n8n.post('waitlist-signup', { email: 'launch.bot@mx.burner.example', captchaToken: 'pass-token' });
		assert.equal(burner.status, 201, await burner.text());
		const noCaptcha = await n8n.post('waitlist-signup', { email: 'no.widget@example.org', captchaToken: 'forged' });
		assert.equal(noCaptcha.status, 201, await noCaptcha.text());

		await waitFor('the clean signup reaches MailerLite', () => mailerLiteWrites(n8n.vendorRequests(), 'real.person@example.com').length > 0 || undefined, 90_000);
		const flagged = await n8n.withLedger(async (l) => (await l.review.flaggedSignups('default')).items);
		assert.deepEqual(
			flagged.map((f) => [f.email, f.flags.map((x) => x.signal), f.heldSync]).sort(),
			[
				['launch.bot@mx.burner.example', ['disposable_domain'], 1],
				['no.widget@example.org', ['captcha_failed'], 1],
			],
		);
		assert.equal(mailerLiteWrites(n8n.vendorRequests(), 'launch.bot@mx.burner.example').length, 0, 'held: not sent');

		const signals = await fetch(n8n.webhookUrl('launch-monitor/signals.json'), { headers: { authorization: DASHBOARD_AUTH } });
		assert.equal(signals.status, 200);
		const json = (await signals.json()) as { signals: { abuse: { flaggedSignups: number; bySignal: Record<string, number>; openNow: number; heldForReview: number } } };
		assert.deepEqual(json.signals.abuse, { flaggedSignups: 2, bySignal: { captcha_failed: 1, disposable_domain: 1 }, openNow: 2, heldForReview: 2 });

		const desk = await fetch(n8n.webhookUrl('waitlist-review'), { headers: { authorization: DESK_AUTH } });
		assert.equal(desk.status, 200);
		const html = await desk.text();
		assert.match(html, /Flagged signups/);
		assert.match(html, /<strong>launch\.bot@mx\.burner\.example<\/strong>.*1 sync held until you decide/);
		assert.match(html, /CAPTCHA not passed \(invalid-input-response\)/);

		const bot = flagged.find((f) => f.email === 'launch.bot@mx.burner.example')!;
		const origin = new URL(n8n.baseUrl).origin;
		const cleared = await fetch(n8n.webhookUrl('waitlist-review'), {
			method: 'POST',
			redirect: 'manual',
			headers: { authorization: DESK_AUTH, origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ action: 'clearFlagged', contactId: bot.contactId, reason: 'a real tester on a throw-away address' }).toString(),
		});
		assert.ok(cleared.status < 400, `Clear answered ${cleared.status}`);
		await waitFor('the cleared signup reaches MailerLite', () => mailerLiteWrites(n8n.vendorRequests(), 'launch.bot@mx.burner.example').length > 0 || undefined, 90_000);
		// A few more drain rounds: it went once, and the other flagged signup still waits.
		await new Promise((r) => setTimeout(r, 5_000));
		assert.equal(mailerLiteWrites(n8n.vendorRequests(), 'launch.bot@mx.burner.example').length, 1);
		assert.equal(mailerLiteWrites(n8n.vendorRequests(), 'no.widget@example.org').length, 0);
		const after = (await (await fetch(n8n.webhookUrl('launch-monitor/signals.json'), { headers: { authorization: DASHBOARD_AUTH } })).json()) as typeof json;
		assert.deepEqual([after.signals.abuse.openNow, after.signals.abuse.heldForReview], [1, 1]);
	});
});
