import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../support/signup-template';

/**
 * The bad-input table of the README's "Waitlist Capture Trigger" section, against a real n8n: each
 * row's status, `error` code and message, and the rejection kept in the ledger with what was sent.
 */
describe('real n8n: bad signups get their documented answer and are recorded', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({ workflows: [signupTemplate()], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: {} });
	});
	after(async () => n8n?.stop());

	const send = (body: string | Uint8Array, headers: Record<string, string>) =>
		fetch(n8n.webhookUrl('waitlist-signup'), { method: 'POST', headers: { accept: 'application/json', ...headers }, body });
	const json = (value: unknown) => send(JSON.stringify(value), { 'content-type': 'application/json' });
	const lastRejection = async () => {
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			return (await ledger.capture.rejections('default', 1))[0];
		} finally {
			await ledger.close();
		}
	};

	interface Row {
		name: string;
		request: () => Promise<Response>;
		status: number;
		error: string;
		message: string;
		field: string;
		/** Something of what was sent that the ledger keeps, for recovery. */
		kept?: string;
	}
	const rows: Row[] = [
		{
			name: 'malformed JSON',
			request: () => send('{"email": "ada@example.com",', { 'content-type': 'application/json' }),
			status: 400,
			error: 'malformed',
			message: 'The request body could not be read.',
			field: 'body',
			kept: '{"email": "ada@example.com",',
		},
		{
			name: 'wrong content type',
			request: () => send('email=ada@example.com', { 'content-type': 'text/plain' }),
			status: 415,
			error: 'unsupported_type',
			message: 'The request content type is not accepted.',
			field: 'body',
		},
		{
			name: 'invalid email',
			request: () => json({ email: 'ada at example dot com' }),
			status: 422,
			error: 'invalid',
			message: 'Some fields need fixing.',
			field: 'email',
			kept: 'ada at example dot com',
		},
		{
			name: 'paid medium without a source',
			request: () => json({ email: 'paid@example.com', utm_medium: 'cpc', utm_campaign: 'spring' }),
			status: 422,
			error: 'paid_without_source',
			message: 'Paid traffic must say where it came from.',
			field: 'utm_source',
			kept: 'paid@example.com',
		},
		{
			name: 'honeypot filled',
			request: () => json({ email: 'bot@example.com', website: 'http://spam.example' }),
			status: 400,
			error: 'honeypot',
			message: 'This signup looked automated and was not saved.',
			field: 'website',
			kept: 'bot@example.com',
		},
		{
			name: 'oversized body (over the 64 KB default)',
			request: () => json({ email: 'big@example.com', note: 'x'.repeat(70 * 1024) }),
			status: 413,
			error: 'too_large',
			message: 'The request body is too large.',
			field: 'body',
		},
	];

	for (const row of rows) {
		it(`${row.name} → ${row.status} ${row.error}, recorded`, async () => {
			const res = await row.request();
			assert.equal(res.status, row.status);
			const body = (await res.json()) as { ok: boolean; error: string; message: string; errors: Array<{ field: string; reason: string }> };
			assert.equal(body.ok, false);
			assert.equal(body.error, row.error);
			assert.equal(body.message, row.message);
			assert.equal(body.errors[0]?.field, row.field);
			assert.ok(body.errors[0]?.reason, 'the field error says what to fix');
			const recorded = await lastRejection();
			assert.equal(recorded?.reason, row.error);
			assert.equal(recorded?.status, row.status);
			if (row.kept) assert.ok(recorded?.payload?.includes(row.kept), `the ledger keeps what was sent: ${recorded?.payload}`);
		});
	}

	it('too fast: the hosted form posted back within 2 s of being shown → 400 too_fast, recorded', async () => {
		const page = await (await fetch(n8n.webhookUrl('waitlist-signup'))).text();
		const wlTs = /name="wl_ts" value="([^"]+)"/.exec(page)?.[1];
		assert.ok(wlTs, 'the hosted form carries its signed "shown at" time');
		const res = await send(new URLSearchParams({ email: 'quick@example.com', wl_form: 'hosted', wl_ts: wlTs }).toString(), {
			'content-type': 'application/x-www-form-urlencoded',
		});
		assert.equal(res.status, 400);
		const body = (await res.json()) as { error: string; message: string; errors: Array<{ field: string }> };
		assert.equal(body.error, 'too_fast');
		assert.equal(body.message, 'The form was sent too quickly. Wait a moment and send it again.');
		assert.equal(body.errors[0]?.field, 'wl_ts');
		assert.equal((await lastRejection())?.reason, 'too_fast');
	});

	it('HTML/script in fields: kept verbatim as data, never echoed raw; on the hosted form it is shown escaped', async () => {
		const script = '<script>alert("x")</script><img src=x onerror=alert(1)>';
		// Accepted signup: stored as typed (escaping is the renderer's job), the JSON answer does not echo it.
		const ok = await json({ email: 'html@example.com', first_name: script });
		assert.equal(ok.status, 201);
		assert.match(ok.headers.get('content-type') ?? '', /application\/json/);
		const answer = await ok.text();
		assert.ok(!answer.includes('<script'), answer);
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			const contactId = (await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'html@example.com' }))!.id;
			assert.equal((await ledger.contacts.get(contactId))?.profile.first_name, script);
		} finally {
			await ledger.close();
		}

		// Refused hosted-form post (bad email): the form is shown again with the typed values escaped.
		const res = await send(new URLSearchParams({ email: '<b>not-an-email</b>', first_name: script, wl_form: 'hosted' }).toString(), {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
		});
		assert.equal(res.status, 422);
		assert.match(res.headers.get('content-type') ?? '', /text\/html/);
		assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/, 'no script may run on the page at all');
		const html = await res.text();
		assert.ok(!html.includes('<script>alert'), 'no raw script from the input');
		assert.ok(!html.includes('<img src=x'), 'no raw tag from the input');
		assert.ok(html.includes('&lt;script&gt;alert('), 'the typed value is kept, escaped');
		const recorded = await lastRejection();
		assert.equal(recorded?.reason, 'invalid');
		assert.ok(recorded?.payload?.includes('not-an-email'), `what was sent is kept: ${recorded?.payload}`);
	});
});
