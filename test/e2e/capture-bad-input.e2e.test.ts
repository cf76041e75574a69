import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import { Ledger, openStore } from '../../ledger';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate, type TemplateJson } from '../support/signup-template';

/**
 * The bad-input table of the README's "Waitlist Capture Trigger" section, against a real n8n: each
 * row's status, `error` code and message, and the rejection kept in the ledger with what was sent —
 * for the trigger at version 1 (the signup template) and at 1.1 (the launch-day capture), one n8n for
 * both. At 1.1 n8n reads the body before the trigger runs and answers some bodies itself; those rows
 * say what n8n answers, and that nothing reached the ledger.
 */
/**
 * The 30-post flood gets a launch of its own: refusals past 30 per client address and launch in 10
 * minutes are counted, not kept (ledger/refusals.ts), and every post here comes from 127.0.0.1.
 */
const FLOOD_LAUNCH = 'gzip-flood';
const FLOOD = signupTemplate({ id: 'wlSignupGzFlood1', name: 'Waitlist signup (gzip flood)', path: 'waitlist-signup-flood', webhookId: '0f3c2b7e-8d41-4c6a-9b1e-5a7d3e2c9f41', launch: FLOOD_LAUNCH });

/** The launch-day capture template (trigger at 1.1) at its own path and launch, beside the signup template. */
const LAUNCH_DAY_LAUNCH = 'launch-day';
function launchDayCapture(): TemplateJson {
	const wf = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'launch-day-capture.json'), 'utf8')) as TemplateJson;
	wf.id = 'wlLaunchDayBad01';
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger') continue;
		assert.equal((node as { typeVersion?: number }).typeVersion, 1.1, 'the launch-day template ships the trigger at 1.1');
		node.parameters = { ...node.parameters, path: 'launch-day-signup', launch: LAUNCH_DAY_LAUNCH };
		node.webhookId = '5b2d7c1e-3f4a-4b8c-9d0e-1a2b3c4d5e6f';
	}
	return wf;
}

/** The trigger version under test: the path it listens on and the launch its rejections go to. */
interface At {
	version: 1 | 1.1;
	path: string;
	launch: string;
}
const VERSIONS: At[] = [
	{ version: 1, path: 'waitlist-signup', launch: 'default' },
	{ version: 1.1, path: 'launch-day-signup', launch: LAUNCH_DAY_LAUNCH },
];

describe('real n8n: bad signups get their documented answer and are recorded', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({ workflows: [signupTemplate(), FLOOD, launchDayCapture()], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: {} });
	});
	after(async () => n8n?.stop());

	const sendTo = (path: string, body: string | Uint8Array, headers: Record<string, string>) =>
		fetch(n8n.webhookUrl(path), { method: 'POST', headers: { accept: 'application/json', ...headers }, body });
	const send = (body: string | Uint8Array, headers: Record<string, string>) => sendTo('waitlist-signup', body, headers);
	const json = (value: unknown) => send(JSON.stringify(value), { 'content-type': 'application/json' });
	const lastRejection = async (launch = 'default') => {
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			return (await ledger.capture.rejections(launch, 1))[0];
		} finally {
			await ledger.close();
		}
	};

	interface Row {
		name: string;
		request: (path: string) => Promise<Response>;
		status: number;
		error: string;
		message: string;
		field: string;
		/** Something of what was sent that the ledger keeps, for recovery. */
		kept?: string;
		/**
		 * At 1.1 n8n reads the body first and answers this one itself: its status and text; nothing is
		 * recorded. `orClosed`: n8n may instead close the connection while the upload is still coming.
		 */
		byN8nAt11?: { status: number; message: RegExp; orClosed?: boolean };
	}
	const post = (path: string, body: string | Uint8Array, headers: Record<string, string>) => sendTo(path, body, headers);
	const postJson = (path: string, value: unknown) => post(path, JSON.stringify(value), { 'content-type': 'application/json' });
	const rows: Row[] = [
		{
			name: 'malformed JSON',
			request: (path) => post(path, '{"email": "ada@example.com",', { 'content-type': 'application/json' }),
			status: 400,
			error: 'malformed',
			message: 'The request body could not be read.',
			field: 'body',
			kept: '{"email": "ada@example.com",',
			byN8nAt11: { status: 422, message: /Failed to parse request body/ },
		},
		{
			name: 'text/plain that is not JSON (text/plain carries JSON, for a fetch without CORS preflight)',
			request: (path) => post(path, 'email=ada@example.com', { 'content-type': 'text/plain' }),
			status: 400,
			error: 'malformed',
			message: 'The request body could not be read.',
			field: 'body',
			kept: 'email=ada@example.com',
		},
		{
			name: 'wrong content type',
			request: (path) => post(path, '{"email":"ada@example.com"}', { 'content-type': 'application/octet-stream' }),
			status: 415,
			error: 'unsupported_type',
			message: 'The request content type is not accepted.',
			field: 'body',
		},
		{
			name: 'XML that is not well-formed',
			request: (path) => post(path, '<signup><email>ada@example.com</email>', { 'content-type': 'application/xml' }),
			status: 415,
			error: 'unsupported_type',
			message: 'The request content type is not accepted.',
			field: 'body',
			byN8nAt11: { status: 422, message: /Failed to parse request body/ },
		},
		{
			name: 'invalid email',
			request: (path) => postJson(path, { email: 'ada at example dot com' }),
			status: 422,
			error: 'invalid',
			message: 'Some fields need fixing.',
			field: 'email',
			kept: 'ada at example dot com',
		},
		{
			name: 'invalid email as JSON in text/plain',
			request: (path) => post(path, JSON.stringify({ email: 'plain at example dot com' }), { 'content-type': 'text/plain;charset=UTF-8' }),
			status: 422,
			error: 'invalid',
			message: 'Some fields need fixing.',
			field: 'email',
			kept: 'plain at example dot com',
		},
		{
			name: 'paid medium without a source',
			request: (path) => postJson(path, { email: 'paid@example.com', utm_medium: 'cpc', utm_campaign: 'spring' }),
			status: 422,
			error: 'paid_without_source',
			message: 'Paid traffic must say where it came from.',
			field: 'utm_source',
			kept: 'paid@example.com',
		},
		{
			name: 'honeypot filled',
			request: (path) => postJson(path, { email: 'bot@example.com', website: 'http://spam.example' }),
			status: 400,
			error: 'honeypot',
			message: 'This signup looked automated and was not saved.',
			field: 'website',
			kept: 'bot@example.com',
		},
		{
			name: 'a 10 KB utm_source without utm_medium (its length is what is wrong, not a missing source)',
			request: (path) => postJson(path, { email: 'longsource@example.com', utm_source: 'x'.repeat(10 * 1024) }),
			status: 422,
			error: 'invalid',
			message: 'Some fields need fixing.',
			field: 'utm_source',
			kept: 'longsource@example.com',
		},
		{
			name: 'honeypot filled with a number',
			request: (path) => postJson(path, { email: 'numbot@example.com', website: 1 }),
			status: 400,
			error: 'honeypot',
			message: 'This signup looked automated and was not saved.',
			field: 'website',
			kept: 'numbot@example.com',
		},
		{
			name: 'hosted-form post without its signed wl_ts',
			request: (path) => post(path, 'email=nots%40example.com&wl_form=hosted&wl_ts=1', { 'content-type': 'application/x-www-form-urlencoded' }),
			status: 400,
			error: 'too_fast',
			message: 'The form was sent too quickly. Wait a moment and send it again.',
			field: 'wl_ts',
			kept: 'nots%40example.com',
		},
		{
			name: 'broken gzip (n8n on its own answers 500 and records nothing)',
			request: (path) => post(path, Buffer.concat([gzipSync('{"email":"gz@example.com"}').subarray(0, 12), Buffer.from('garbage')]), { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
			status: 400,
			error: 'malformed',
			message: 'The request body could not be read.',
			field: 'body',
			byN8nAt11: { status: 500, message: /There was a problem executing the workflow/ },
		},
		{
			name: "gzip that inflates past n8n's own 16 MB limit",
			request: (path) => post(path, gzipSync(JSON.stringify({ email: 'huge@example.com', note: 'x'.repeat(20 * 1024 * 1024) })), { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
			status: 413,
			error: 'too_large',
			message: 'The request body is too large.',
			field: 'body',
			kept: 'huge@example.com',
			byN8nAt11: { status: 500, message: /There was a problem executing the workflow/, orClosed: true },
		},
		{
			name: 'a charset nobody knows',
			request: (path) => post(path, 'email=k%40example.com', { 'content-type': 'application/x-www-form-urlencoded; charset=x-klingon' }),
			status: 415,
			error: 'unsupported_type',
			message: 'The request content type is not accepted.',
			field: 'body',
			byN8nAt11: { status: 422, message: /Failed to parse request body/ },
		},
		{
			name: 'a latin1 byte with no charset declared',
			request: (path) => post(path, Buffer.concat([Buffer.from('email=nocharset%40example.com&first_name=Andr'), Buffer.from([0xe9])]), { 'content-type': 'application/x-www-form-urlencoded' }),
			status: 400,
			error: 'malformed',
			message: 'The request body could not be read.',
			field: 'body',
			kept: 'nocharset%40example.com',
		},
		{
			name: 'oversized body (over the 64 KB default)',
			request: (path) => postJson(path, { email: 'big@example.com', note: 'x'.repeat(70 * 1024) }),
			status: 413,
			error: 'too_large',
			message: 'The request body is too large.',
			field: 'body',
		},
	];

	for (const at of VERSIONS) {
		for (const row of rows) {
			const byN8n = at.version === 1.1 ? row.byN8nAt11 : undefined;
			const title = byN8n ? `${byN8n.status} from n8n itself, not recorded` : `${row.status} ${row.error}, recorded`;
			it(`v${at.version}: ${row.name} → ${title}`, async () => {
				const before = await lastRejection(at.launch);
				const closed = (error: unknown) => byN8n?.orClosed === true && (error as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET';
				const res = await row.request(at.path).catch((error: unknown) => {
					if (closed(error)) return null;
					throw error;
				});
				if (res === null) {
					assert.equal((await lastRejection(at.launch))?.id, before?.id, 'n8n closed the connection before the trigger ran: nothing reached the ledger');
					return;
				}
				const text = await res.text();
				if (byN8n) {
					assert.equal(res.status, byN8n.status, text);
					assert.match(text, byN8n.message);
					assert.equal((await lastRejection(at.launch))?.id, before?.id, 'n8n answered before the trigger ran: nothing reached the ledger');
					return;
				}
				assert.equal(res.status, row.status, text);
				const body = JSON.parse(text) as { ok: boolean; error: string; message: string; errors: Array<{ field: string; reason: string }> };
				assert.equal(body.ok, false);
				assert.equal(body.error, row.error);
				assert.equal(body.message, row.message);
				assert.equal(body.errors[0]?.field, row.field);
				assert.ok(body.errors[0]?.reason, 'the field error says what to fix');
				const recorded = await lastRejection(at.launch);
				assert.notEqual(recorded?.id, before?.id, 'a new rejection is recorded');
				assert.equal(recorded?.reason, row.error);
				assert.equal(recorded?.status, row.status);
				if (row.kept) assert.ok(recorded?.payload?.includes(row.kept), `the ledger keeps what was sent: ${recorded?.payload}`);
			});
		}
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

	/** Resident memory of the n8n process now, and its peak so far (MB, from /proc). */
	const memory = () => {
		const status = readFileSync(`/proc/${n8n.process.process.pid}/status`, 'utf8');
		const mb = (key: string) => Math.round(Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024);
		return { rss: mb('VmRSS'), peak: mb('VmHWM') };
	};

	it('30 gzip posts of ~15 KB that inflate to 15 MB each, at once → 413 each, recorded; n8n never holds the 15 MB', async () => {
		const bomb = gzipSync(JSON.stringify({ email: 'bomb@example.com', note: 'x'.repeat(15 * 1024 * 1024) }), { level: 9 });
		const before = memory();
		const flood = () => fetch(n8n.webhookUrl('waitlist-signup-flood'), { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
		const answers = await Promise.all(Array.from({ length: 30 }, flood));
		const bodies = (await Promise.all(answers.map((r) => r.json()))) as Array<{ error: string; errors: Array<{ reason: string }> }>;
		const afterPosts = memory();
		console.log(`row 3: 30 gzip posts of ${bomb.length} bytes (15 MB inflated): n8n RSS ${before.rss} MB → ${afterPosts.rss} MB, peak ${before.peak} MB → ${afterPosts.peak} MB`);
		assert.deepEqual([...new Set(answers.map((r) => r.status))], [413]);
		assert.deepEqual([...new Set(bodies.map((b) => b.error))], ['too_large']);
		assert.match(bodies[0]!.errors[0]!.reason, /inflates to more than 65536 bytes/, 'refused while inflating, not after');
		const recorded = await lastRejection(FLOOD_LAUNCH);
		assert.equal(recorded?.reason, 'too_large');
		assert.ok((recorded?.payload?.length ?? 0) <= 16 * 1024 && recorded?.payload?.startsWith('{"email":"bomb@example.com"'), 'a prefix of what was sent is kept');
		// Inflating each post whole took ~800 MB more at its peak; cut off at 64 KB it is noise.
		assert.ok(afterPosts.peak - before.peak < 250, `peak grew ${afterPosts.peak - before.peak} MB`);
	});

	it('v1.1: one gzip post that inflates to 15 MB → 413 too_large, recorded (n8n inflated it whole before the trigger ran)', async () => {
		const bomb = gzipSync(JSON.stringify({ email: 'bomb11@example.com', note: 'x'.repeat(15 * 1024 * 1024) }), { level: 9 });
		const res = await sendTo('launch-day-signup', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
		assert.equal(res.status, 413);
		const body = (await res.json()) as { error: string; errors: Array<{ reason: string }> };
		assert.equal(body.error, 'too_large');
		assert.match(body.errors[0]!.reason, /The body is \d+ bytes; at most 65536 are accepted/, 'refused after n8n inflated it, not while inflating');
		const recorded = await lastRejection(LAUNCH_DAY_LAUNCH);
		assert.equal(recorded?.reason, 'too_large');
		assert.ok(recorded?.payload?.startsWith('{"email":"bomb11@example.com"'), 'a prefix of what was sent is kept');
	});

	for (const at of VERSIONS) {
		const contactIn = (email: string) =>
			n8n.withLedger(async (ledger) => {
				const found = await ledger.contacts.find({ launch: at.launch, kind: 'email', value: email });
				return found ? ledger.contacts.get(found.id) : undefined;
			});

		it(`v${at.version}: a gzip signup under the limit is inflated and accepted`, async () => {
			const res = await sendTo(at.path, gzipSync(JSON.stringify({ email: 'zipped@example.com' })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
			assert.equal(res.status, 201);
			assert.ok(await contactIn('zipped@example.com'));
		});

		it(`v${at.version}: a multipart/form-data signup is accepted (at 1.1 n8n parses it and hands the fields over)`, async () => {
			const form = new FormData();
			form.set('email', 'multipart@example.com');
			form.set('first_name', 'Grace');
			const res = await fetch(n8n.webhookUrl(at.path), { method: 'POST', headers: { accept: 'application/json' }, body: form });
			assert.equal(res.status, 201, await res.text());
			assert.equal((await contactIn('multipart@example.com'))?.profile.first_name, 'Grace');
		});

		it(`v${at.version}: a br-compressed JSON signup → ${at.version === 1 ? '201, inflated by the trigger' : '422 from n8n (its reader inflates only gzip and deflate), not recorded'}`, async () => {
			const before = await lastRejection(at.launch);
			const res = await sendTo(at.path, brotliCompressSync(JSON.stringify({ email: 'brotli@example.com' })), { 'content-type': 'application/json', 'content-encoding': 'br' });
			if (at.version === 1) {
				assert.equal(res.status, 201);
				assert.ok(await contactIn('brotli@example.com'));
			} else {
				assert.equal(res.status, 422);
				assert.match(await res.text(), /Failed to parse request body/);
				assert.equal((await lastRejection(at.launch))?.id, before?.id);
			}
		});

		it(`v${at.version}: a signup as JSON in text/plain (what a fetch sends without a CORS preflight) is accepted`, async () => {
			const res = await sendTo(at.path, JSON.stringify({ email: 'plain@example.com', first_name: 'Zoë' }), { 'content-type': 'text/plain;charset=UTF-8' });
			assert.equal(res.status, 201);
			assert.equal((await contactIn('plain@example.com'))?.profile.first_name, 'Zoë');
		});
	}

	it('a form body in ISO-8859-1 (as it declares) is stored as typed: "André", not "Andr\uFFFD"', async () => {
		const body = Buffer.concat([Buffer.from('email=andre%40example.com&first_name=Andr'), Buffer.from([0xe9]), Buffer.from('&last_name=Andr%E9')]);
		const res = await send(body, { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' });
		assert.equal(res.status, 201);
		// The answer names no contact (it never tells who is on the list): the ledger does.
		const profile = await n8n.withLedger(async (ledger) => {
			const contact = await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'andre@example.com' });
			return contact ? (await ledger.contacts.get(contact.id))?.profile : undefined;
		});
		assert.deepEqual([profile?.first_name, profile?.last_name], ['André', 'André']);
	});

	it('v1.1: the same ISO-8859-1 form body → 422 from n8n itself (its body reader knows no such charset), not recorded', async () => {
		const before = await lastRejection(LAUNCH_DAY_LAUNCH);
		const body = Buffer.concat([Buffer.from('email=andre11%40example.com&first_name=Andr'), Buffer.from([0xe9])]);
		const res = await sendTo('launch-day-signup', body, { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' });
		assert.equal(res.status, 422);
		assert.match(await res.text(), /Failed to parse request body/);
		assert.equal((await lastRejection(LAUNCH_DAY_LAUNCH))?.id, before?.id);
	});

	it('one signed wl_ts sent 5 times → accepted once, then 400 too_fast "already sent once"', async () => {
		const page = await (await fetch(n8n.webhookUrl('waitlist-signup'))).text();
		const wlTs = /name="wl_ts" value="([^"]+)"/.exec(page)?.[1];
		assert.ok(wlTs);
		await sleep(2_100); // a person's pace: the form's 2 s minimum
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) {
			const res = await send(new URLSearchParams({ email: `replay${i}@example.com`, wl_form: 'hosted', wl_ts: wlTs }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
			statuses.push(res.status);
			if (i === 4) assert.match(((await res.json()) as { errors: Array<{ reason: string }> }).errors[0]!.reason, /already sent once/);
		}
		assert.deepEqual(statuses, [201, 400, 400, 400, 400]);
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
		const form = await (await fetch(n8n.webhookUrl('waitlist-signup'))).text();
		const wlTs = /name="wl_ts" value="([^"]+)"/.exec(form)?.[1] ?? '';
		await sleep(2_100); // past the form's 2 s minimum, so the email is what is refused
		const res = await send(new URLSearchParams({ email: '<b>not-an-email</b>', first_name: script, wl_form: 'hosted', wl_ts: wlTs }).toString(), {
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
