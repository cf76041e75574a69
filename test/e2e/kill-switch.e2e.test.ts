import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import type { TemplateJson } from '../support/signup-template';

/*
 * Issue 20 row 10 through a real n8n: the kill-switch form (n8n's Form Trigger, whose Basic Auth n8n
 * checks itself) took 100 wrong passwords in ~5 s and the right one at once. The kill switch is now
 * the pack's page: wrong passwords are counted per address and slowed (429 + Retry-After).
 */

const WF = 'wlKillSwitch0001';
const AUTH = { user: 'launch-ops', password: randomBytes(12).toString('hex') };
const CREDENTIALS = [{ id: 'wlKillSwitchAuth', name: 'Kill switch login', type: 'httpBasicAuth', data: AUTH }];

function killSwitchTemplate(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'kill-switch.json'), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) if (node.type === 'n8n-nodes-waitlist-ledger.killSwitchPageTrigger') node.credentials = { httpBasicAuth: { id: 'wlKillSwitchAuth', name: 'Kill switch login' } };
	return wf;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('real n8n: the kill-switch page under password guessing and cross-site posts', () => {
	let n8n: E2eN8n;
	let url = '';

	before(async () => {
		n8n = await startE2eN8n({ workflows: [killSwitchTemplate()], credentials: CREDENTIALS });
		url = n8n.webhookUrl('waitlist-kill-switch');
	});
	after(async () => n8n?.stop());

	const open = (authorization?: string) => fetch(url, { headers: authorization ? { authorization } : {} });

	it('without a password: 401 asking for one, nothing of the launch shown', async () => {
		const res = await open();
		assert.equal(res.status, 401);
		assert.match(String(res.headers.get('www-authenticate')), /^Basic realm="Launch kill switch"/);
		assert.doesNotMatch(await res.text(), /Pause access grants/);
	});

	it('20 wrong passwords → 401 then 429 with Retry-After; the right one is refused until the wait is over, then works; the count shows', async () => {
		const statuses: number[] = [];
		let retryAfter = 0;
		for (let i = 0; i < 20; i++) {
			const res = await open(basic(AUTH.user, `guess-${i}`));
			statuses.push(res.status);
			if (res.status === 429) retryAfter = Number(res.headers.get('retry-after'));
			await res.arrayBuffer();
		}
		console.log(`20 wrong passwords through n8n: ${statuses.filter((s) => s === 401).length} × 401, ${statuses.filter((s) => s === 429).length} × 429 (Retry-After ${retryAfter} s); before: 20 × 401 and the right one at once`);
		assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
		assert.ok(statuses.slice(4).every((s) => s === 429), statuses.join(' '));
		assert.ok(retryAfter >= 1, `Retry-After: ${retryAfter}`);
		const early = await open(basic(AUTH.user, AUTH.password));
		assert.equal(early.status, 429, 'the right password waits too');
		assert.match(await early.text(), /Too many wrong passwords from your address/);
		const wait = Number(early.headers.get('retry-after'));
		await sleep(wait * 1000 + 200);
		const res = await open(basic(AUTH.user, AUTH.password));
		const html = await res.text();
		assert.equal(res.status, 200, html.slice(0, 300));
		assert.match(html, /<h1>Launch kill switch<\/h1>/);
		// Each wrong password after a wait is over is checked (and counted) again; those during a wait are not.
		const counted = Number(/Wrong passwords on this launch's pages in the last hour: <strong>(\d+)<\/strong>/.exec(html)?.[1]);
		console.log(`the page shows ${counted} counted wrong passwords`);
		assert.ok(counted >= 5 && counted < 20, `counted ${counted}`);
		assert.match(String(res.headers.get('content-security-policy')), /default-src 'none'/);
	});

	it('an action records the signed-in user and why, and starts the workflow with it', async () => {
		const res = await fetch(url, {
			method: 'POST',
			headers: { authorization: basic(AUTH.user, AUTH.password), 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ action: 'pauseGrants', reason: 'wrong price on the checkout', name: 'Ada' }).toString(),
		});
		const html = await res.text();
		assert.equal(res.status, 200, html.slice(0, 300));
		assert.match(html, /Access grants are paused<\/strong> since .* by Ada \(signed in as launch-ops\): “wrong price on the checkout”/);
		const pause = await n8n.withLedger((ledger) => ledger.outbox.pauseState('default'));
		assert.deepEqual([pause.paused, pause.scope, pause.pausedBy, pause.reason], [true, 'grants', 'Ada (signed in as launch-ops)', 'wrong price on the checkout']);
		const [run] = await n8n.waitForExecutions(WF, 1);
		assert.equal((run!.nodes['Action taken']?.[0]?.[0] as { action?: string } | undefined)?.action, 'pauseGrants');
	});

	it('a post from another site is refused and changes nothing; a post without a reason is answered 400 naming it', async () => {
		const crossSite = await fetch(url, {
			method: 'POST',
			headers: { authorization: basic(AUTH.user, AUTH.password), 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
			body: new URLSearchParams({ action: 'resume', reason: 'x' }).toString(),
		});
		assert.equal(crossSite.status, 403);
		assert.equal((await n8n.withLedger((ledger) => ledger.outbox.pauseState('default'))).paused, true);
		const noReason = await fetch(url, {
			method: 'POST',
			headers: { authorization: basic(AUTH.user, AUTH.password), 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ action: 'resume' }).toString(),
		});
		assert.equal(noReason.status, 400);
		assert.match(await noReason.text(), /Why: say why/);
		assert.equal((await n8n.withLedger((ledger) => ledger.outbox.pauseState('default'))).paused, true);
	});
});
