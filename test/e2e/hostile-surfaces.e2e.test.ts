import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { CHECKOUT_CREDENTIALS, STRIPE_TEST_WHSEC, checkoutTemplate } from '../support/checkout-template';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { HOSTILE_SEED, hostileEmail, hostileSignup, hostileText, NAMED_EMAILS, REAL_EMAIL } from '../support/hostile-input';
import { DASHBOARD_AUTH, monitorTemplate } from '../support/monitor-template';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { waitFor } from '../support/wait';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate, type TemplateJson } from '../support/signup-template';

/**
 * Issue 18, the hostile-input pass through ONE real n8n: every public surface — the capture POST,
 * the hosted form, the snippet, the Stripe webhook, the checkout link, the kill switch, the launch
 * dashboard and the review desk — gets oversized headers and bodies, deep JSON, the named table of
 * Unicode tricks in emails and fast-check generated ones (fixed seed), header injection aimed at
 * the redirects, and slow bodies. Each batch asserts the documented 4xx (README "Hostile input"),
 * that nothing was stored half (the ledger's rows), and that n8n still answers (a good signup after
 * each batch is accepted and stored).
 */

const PAGE_USER = 'launch-ops';
const PAGE_PASSWORD = 'a long page password for hostile tests';
const PAGE_AUTH = `Basic ${Buffer.from(`${PAGE_USER}:${PAGE_PASSWORD}`).toString('base64')}`;
const PAGE_CREDENTIAL = { id: 'wlHostilePages01', name: 'Pages login', type: 'httpBasicAuth', data: { user: PAGE_USER, password: PAGE_PASSWORD } };
const THANKS_URL = 'https://thanks.example/done';
const THANKS_LAUNCH = 'thanks';

function pageTemplate(file: string, nodeType: string): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', file), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) if (node.type === nodeType) node.credentials = { httpBasicAuth: { id: PAGE_CREDENTIAL.id, name: PAGE_CREDENTIAL.name } };
	return wf;
}

/** The signup template at another path, answering every signup with a redirect to the creator's thank-you page. */
function thanksTemplate(): TemplateJson {
	const wf = signupTemplate({ id: 'wlHostileThanks1', name: 'Waitlist signup (thank-you redirect)', path: 'hostile-thanks', webhookId: '7c1d9e3a-2b4f-4a6c-8d0e-1f2a3b4c5d6e', launch: THANKS_LAUNCH });
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger') continue;
		node.parameters.respondWith = 'redirect';
		node.parameters.thankYouUrl = THANKS_URL;
	}
	return wf;
}

interface RawAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
}

describe('real n8n: every public surface under hostile input', () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	let port = 0;

	before(async () => {
		channels = await startFakeChannels();
		const monitor = monitorTemplate(channels);
		const credentials = new Map([...FAKE_VENDOR_CREDENTIALS, ...CHECKOUT_CREDENTIALS, PAGE_CREDENTIAL, ...monitor.credentials].map((c) => [c.id, c]));
		n8n = await startE2eN8n({
			workflows: [
				signupTemplate(),
				thanksTemplate(),
				checkoutTemplate({ scheduleSeconds: 3600 }),
				pageTemplate('kill-switch.json', 'n8n-nodes-waitlist-ledger.killSwitchPageTrigger'),
				pageTemplate('review-desk.json', 'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger'),
				monitor.workflow,
			],
			credentials: [...credentials.values()],
			vendorFakes: {},
		});
		port = Number(new URL(n8n.baseUrl).port);
		await n8n.withLedger((ledger) => ledger.purchases.defineProduct({ launch: 'default', productId: 'course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } }));
	});
	after(async () => {
		await n8n?.stop();
		await channels?.close();
	});

	/** A request exactly as given (no client-side normalization), its status, headers and text. */
	const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawAnswer> =>
		new Promise((resolve, reject) => {
			const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers }, insecureHTTPParser: false }, (res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
			});
			req.on('error', reject);
			req.end(body);
		});
	const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
	const postJson = (path: string, value: unknown, headers: Record<string, string> = {}) => raw('POST', path, { ...JSON_HEADERS, ...headers }, JSON.stringify(value));
	const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
	const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

	/** Rows of the embedded ledger, for "nothing stored half". */
	const ledgerCounts = () =>
		n8n.withLedger(async (ledger) => {
			const one = async (sql: string) => Number((await ledger.store.query<{ n: number }>(sql, []))[0]!.n);
			return {
				contacts: await one('SELECT COUNT(*) AS n FROM contacts'),
				// An identifier without its contact, or a live contact without an identifier, is a half-stored signup.
				orphanIdentifiers: await one('SELECT COUNT(*) AS n FROM identifiers i LEFT JOIN contacts c ON c.id = i.contact_id WHERE c.id IS NULL'),
				bareContacts: await one("SELECT COUNT(*) AS n FROM contacts c WHERE c.status = 'active' AND NOT EXISTS (SELECT 1 FROM identifiers i WHERE i.contact_id = c.id)"),
				orphanOutbox: await one('SELECT COUNT(*) AS n FROM outbox o LEFT JOIN contacts c ON c.id = o.contact_id WHERE o.contact_id IS NOT NULL AND c.id IS NULL'),
				inbox: await one('SELECT COUNT(*) AS n FROM purchase_inbox'),
			};
		});
	const assertNothingHalf = async () => {
		const counts = await ledgerCounts();
		assert.deepEqual([counts.orphanIdentifiers, counts.bareContacts, counts.orphanOutbox], [0, 0, 0], JSON.stringify(counts));
		return counts;
	};
	const contactOf = (email: string, launch = 'default') => n8n.withLedger(async (ledger) => ledger.contacts.find({ launch, kind: 'email', value: email }));

	let good = 0;
	/** n8n still answering: a good signup is accepted and stored, and every page still opens. */
	const stillAnswering = async (batch: string) => {
		const email = `good-${++good}@example.com`;
		const res = await postJson('/webhook/waitlist-signup', { email });
		assert.equal(res.status, 201, `${batch}: a good signup after the batch → ${res.status} ${res.text.slice(0, 200)}`);
		assert.ok(await contactOf(email), `${batch}: the good signup is stored`);
		for (const path of ['/webhook/waitlist-kill-switch', '/webhook/waitlist-review', '/webhook/launch-monitor']) {
			const page = await raw('GET', path, { authorization: path.endsWith('launch-monitor') ? DASHBOARD_AUTH : PAGE_AUTH });
			assert.equal(page.status, 200, `${batch}: ${path} still opens`);
		}
	};

	/** Every public surface, with what a request needs to reach its node. */
	const SURFACES: Array<{ name: string; method: string; path: string; headers?: Record<string, string> }> = [
		{ name: 'capture POST', method: 'POST', path: '/webhook/waitlist-signup', headers: { 'content-type': 'application/json' } },
		{ name: 'hosted form', method: 'GET', path: '/webhook/waitlist-signup' },
		{ name: 'snippet', method: 'GET', path: '/webhook/waitlist-signup/snippet.js' },
		{ name: 'Stripe webhook', method: 'POST', path: '/webhook/stripe-purchases', headers: { 'content-type': 'application/json' } },
		{ name: 'checkout link', method: 'POST', path: '/webhook/checkout', headers: { 'content-type': 'application/json' } },
		{ name: 'kill switch', method: 'GET', path: '/webhook/waitlist-kill-switch', headers: { authorization: PAGE_AUTH } },
		{ name: 'review desk', method: 'GET', path: '/webhook/waitlist-review', headers: { authorization: PAGE_AUTH } },
		{ name: 'dashboard', method: 'GET', path: '/webhook/launch-monitor', headers: { authorization: DASHBOARD_AUTH } },
	];

	/**
	 * Writes `text` on a fresh socket and returns what came back. The server may reset the connection
	 * after answering (it does not read the rest of a refused request): what it wrote still counts.
	 */
	const rawSocket = (text: string): Promise<string> =>
		new Promise((resolve, reject) => {
			const socket = connect(port, '127.0.0.1', () => socket.end(text));
			let answer = '';
			socket.setEncoding('utf8');
			socket.on('data', (c: string) => (answer += c));
			socket.on('close', () => resolve(answer));
			socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
		});
	const requestText = (method: string, path: string, headers: Record<string, string>, body = '') =>
		`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${Object.entries(headers)
			.map(([k, v]) => `${k}: ${v}\r\n`)
			.join('')}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

	it('oversized headers: a 64 KB header on every surface → 431 from n8n\'s HTTP server before any node runs; a NUL in a header → 400', async () => {
		const before = await ledgerCounts();
		for (const s of SURFACES) {
			const body = s.method === 'POST' ? '{"email":"header@example.com"}' : '';
			const big = await rawSocket(requestText(s.method, s.path, { ...s.headers, 'X-Padding': 'a'.repeat(64 * 1024) }, body));
			assert.match(big, /^HTTP\/1\.1 431 Request Header Fields Too Large/, `${s.name}: ${big.slice(0, 80)}`);
			const cookie = await rawSocket(requestText(s.method, s.path, { ...s.headers, Cookie: `wl_attr=${'b'.repeat(20 * 1024)}` }, body));
			assert.match(cookie, /^HTTP\/1\.1 431 /, `${s.name} (a 20 KB cookie): ${cookie.slice(0, 80)}`);
		}
		// Node's parser refuses a control character in a header value; written on the socket by hand (clients refuse to send it).
		const nul = await rawSocket(`POST /webhook/waitlist-signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Evil: a\u0000b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
		assert.match(nul, /^HTTP\/1\.1 400 /);
		const after = await assertNothingHalf();
		assert.deepEqual([after.contacts, after.inbox], [before.contacts, before.inbox], 'nothing reached the ledger');
		assert.equal(await contactOf('header@example.com'), null);
		await stillAnswering('oversized headers');
	});


	it('oversized bodies: 1 MB at the capture → 413 too_large, recorded; at the Stripe webhook unsigned → 401 with 2 KB kept; 17 MB → 413 there and at the checkout link (recorded); at the pages → 400 naming the field', async () => {
		const before = await ledgerCounts();
		const mb = JSON.stringify({ email: 'big@example.com', note: 'x'.repeat(1024 * 1024) });
		const capture = await raw('POST', '/webhook/waitlist-signup', JSON_HEADERS, mb);
		assert.equal(capture.status, 413, capture.text.slice(0, 200));
		assert.equal((JSON.parse(capture.text) as { error: string }).error, 'too_large');
		assert.equal(await contactOf('big@example.com'), null);

		const stripeBig = await raw('POST', '/webhook/stripe-purchases', JSON_HEADERS, mb);
		assert.equal(stripeBig.status, 401, stripeBig.text.slice(0, 200));
		const kept = await n8n.withLedger(async (ledger) => (await ledger.purchases.inbox('default', { status: 'rejected', limit: 1 }))[0]);
		assert.deepEqual([kept?.bodyBytes, kept?.bodyCut], [Buffer.byteLength(mb), true]);
		assert.ok(Buffer.byteLength(kept!.rawBody) <= 2048, 'a 2 KB prefix is kept, not the megabyte');

		const huge = Buffer.concat([Buffer.from('{"email":"huge@example.com","pad":"'), Buffer.alloc(17 * 1024 * 1024, 'y'), Buffer.from('"}')]);
		const stripeHuge = await raw('POST', '/webhook/stripe-purchases', JSON_HEADERS, huge).catch((e: Error) => ({ status: -1, headers: {}, text: e.message }));
		console.log(`17 MB at the Stripe webhook: ${stripeHuge.status} ${stripeHuge.text.slice(0, 200)}`);
		assert.equal(stripeHuge.status, 413, `before: 500 "Workflow could not be started!" and a failed execution; got ${stripeHuge.status} ${stripeHuge.text.slice(0, 200)}`);
		assert.match((JSON.parse(stripeHuge.text) as { message: string }).message, /n8n reads at most \d+ \(N8N_PAYLOAD_SIZE_MAX\)/);
		const checkoutHuge = await raw('POST', '/webhook/checkout', JSON_HEADERS, huge).catch((e: Error) => ({ status: -1, headers: {}, text: e.message }));
		console.log(`17 MB at the checkout link: ${checkoutHuge.status} ${checkoutHuge.text.slice(0, 200)}`);
		// The checkout link reads the body itself (Checkout Link Trigger): 413 naming the limit, recorded with refused signups.
		assert.equal(checkoutHuge.status, 413, `before: n8n's 500 "There was a problem executing the workflow"; got ${checkoutHuge.status} ${checkoutHuge.text.slice(0, 200)}`);
		assert.deepEqual(JSON.parse(checkoutHuge.text), { error: `The body is ${huge.length} bytes; at most 16384 are accepted: the checkout link takes the buyer's email, at most 16384 bytes.`, field: 'body', limit: 16384 });
		const recorded = await n8n.withLedger(async (ledger) => (await ledger.capture.rejections('default', 5)).find((r) => JSON.stringify(r).includes('checkout link')));
		assert.ok(recorded, 'the refused checkout request is recorded with refused signups');
		assert.equal(recorded.reason, 'too_large');
		assert.equal(await contactOf('huge@example.com'), null);
		for (const [path, field] of [['/webhook/waitlist-kill-switch', 'reason'], ['/webhook/waitlist-review', 'reason']] as const) {
			const res = await raw('POST', path, { ...FORM, authorization: PAGE_AUTH }, form({ action: path.endsWith('kill-switch') ? 'pauseAll' : 'dismiss', reviewId: 'r1', reason: 'z'.repeat(1024 * 1024) }));
			assert.equal(res.status, 400, `${path}: ${res.status}`);
			assert.match(res.text, /Why: is longer than/, `${path} names the ${field} field`);
		}
		assert.equal((await n8n.withLedger((ledger) => ledger.outbox.pauseState('default'))).paused, false, 'the switch did not move');
		const after = await assertNothingHalf();
		assert.equal(after.contacts, before.contacts);
		await stillAnswering('oversized bodies');
	});

	const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

	it('deep JSON (10,000 levels): in a signup field → 422 naming it; in a field the capture ignores → 201; unsigned at the Stripe webhook → 401; signed → 200 and processed; 5,000 deep at the checkout link → 400 naming the field', async () => {
		const before = await ledgerCounts();
		const inField = await raw('POST', '/webhook/waitlist-signup', JSON_HEADERS, `{"email":"deep1@example.com","company":${deep(10_000)}}`);
		assert.equal(inField.status, 422, inField.text.slice(0, 200));
		assert.deepEqual((JSON.parse(inField.text) as { errors: Array<{ field: string; reason: string }> }).errors, [{ field: 'company', reason: 'must be text, not a list' }]);
		const inEmail = await raw('POST', '/webhook/waitlist-signup', JSON_HEADERS, `{"email":${deep(10_000)}}`);
		assert.equal(inEmail.status, 422);
		assert.equal((JSON.parse(inEmail.text) as { errors: Array<{ field: string }> }).errors[0]?.field, 'email');
		const ignored = await raw('POST', '/webhook/waitlist-signup', JSON_HEADERS, `{"email":"deep2@example.com","nested":${deep(10_000)}}`);
		assert.equal(ignored.status, 201, 'only the fields a signup has are read; the rest is never stored');

		const unsigned = await raw('POST', '/webhook/stripe-purchases', JSON_HEADERS, `{"id":"evt_deep","x":${deep(10_000)}}`);
		assert.equal(unsigned.status, 401);
		await n8n.withLedger((ledger) => ledger.contacts.upsert({ launch: 'default', email: 'deep.buyer@example.com' }));
		const event = JSON.stringify(stripe.checkoutCompleted('evt_signed_deep', { order: 'pi_signed_deep', email: 'deep.buyer@example.com', customer: 'cus_deep' })).replace(/}$/, `,"x":${deep(10_000)}}`);
		const signed = stripeSign(event, STRIPE_TEST_WHSEC);
		const delivered = await raw('POST', '/webhook/stripe-purchases', { 'content-type': 'application/json', ...signed.headers }, signed.rawBody);
		assert.equal(delivered.status, 200, delivered.text.slice(0, 200));

		// 10,000 levels are 20 KB, past the checkout link's 16 KB (413, above); 5,000 fit under it. The
		// Checkout Link Trigger refuses a field nested deeper than a Buy button sends, naming it, before any run starts.
		const checkout = await raw('POST', '/webhook/checkout', JSON_HEADERS, `{"email":${deep(5_000)}}`);
		assert.equal(checkout.status, 400, checkout.text.slice(0, 200));
		assert.deepEqual(JSON.parse(checkout.text), { error: 'The field "email" is nested more than 8 levels deep; the checkout link takes flat fields such as {"email": "ada@example.com"}', field: 'email' });
		const { inboxId } = JSON.parse(delivered.text) as { inboxId: string };
		const entry = await waitFor('the signed deep event processed by its run', () =>
			n8n.withLedger(async (ledger) => {
				const found = await ledger.purchases.inboxEntry(inboxId);
				return found?.status === 'processed' ? found : undefined;
			}),
		);
		assert.equal(entry.eventId, 'evt_signed_deep');
		const after = await assertNothingHalf();
		assert.equal(after.contacts, before.contacts + 2, 'deep2 and the buyer, nothing else');
		await stillAnswering('deep JSON');
	});

	it('Unicode tricks in emails (the named table): the capture answers 422 naming the character, or 201 onto one contact / a flagged lookalike; the checkout link 400 naming the email, or its redirect', async () => {
		assert.equal((await postJson('/webhook/waitlist-signup', { email: REAL_EMAIL })).status, 201);
		const real = await contactOf(REAL_EMAIL);
		for (const row of NAMED_EMAILS) {
			const before = await ledgerCounts();
			const res = await postJson('/webhook/waitlist-signup', { email: row.email });
			const body = JSON.parse(res.text) as { error?: string; errors?: Array<{ field: string; reason: string }> };
			if ('refused' in row.outcome) {
				assert.equal(res.status, 422, `${row.name}: ${res.text}`);
				assert.equal(body.errors?.[0]?.field, 'email', row.name);
				assert.ok(body.errors![0]!.reason.includes(row.outcome.refused), `${row.name}: ${body.errors![0]!.reason}`);
				assert.equal((await ledgerCounts()).contacts, before.contacts, `${row.name}: nothing stored`);
			} else {
				assert.equal(res.status, 201, `${row.name}: ${res.text}`);
				const after = await ledgerCounts();
				assert.equal(after.contacts, before.contacts + ('sameAs' in row.outcome ? 0 : 1), row.name);
			}
			const checkout = await raw('POST', '/webhook/checkout', JSON_HEADERS, JSON.stringify({ email: row.email }));
			if ('refused' in row.outcome) {
				assert.equal(checkout.status, 400, `checkout, ${row.name}: ${checkout.status} ${checkout.text}`);
				assert.equal((JSON.parse(checkout.text) as { field: string }).field, 'email');
			} else {
				// n8n's Respond to Webhook redirects with 307, to the Checkout Session's URL.
				assert.equal(checkout.status, 307, `checkout, ${row.name}: ${checkout.status} ${checkout.text.slice(0, 200)}`);
				assert.equal(new URL(String(checkout.headers.location)).origin, 'https://checkout.stripe.com');
			}
		}
		assert.equal((await contactOf('ＡＤＡ@example.com'))?.id, real?.id);
		const lookalikes = await n8n.withLedger(async (ledger) => (await ledger.review.list('default', { status: 'open' })).filter((r) => r.kind === 'possible_duplicate' && r.otherContactId === real?.id));
		assert.equal(lookalikes.length, NAMED_EMAILS.filter((r) => 'lookalikeOf' in r.outcome).length, 'each lookalike is on the review desk');
		const desk = await raw('GET', '/webhook/waitlist-review', { authorization: PAGE_AUTH });
		assert.equal(desk.status, 200);
		assert.ok(!desk.text.includes('\u202e') && !desk.text.includes('\u0000'), 'no bidi override or NUL reaches the page');
		await assertNothingHalf();
		await stillAnswering('named emails');
	});

	it(`fast-check (seed ${HOSTILE_SEED}): generated signups at the capture, events at the Stripe webhook, and page posts — each a 2xx/3xx or a 4xx naming a field, never a 5xx`, async () => {
		const statuses: number[] = [];
		const signups = fc.sample(hostileSignup, { seed: HOSTILE_SEED, numRuns: 30 });
		for (const fields of signups) {
			const sent = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
			const asForm = statuses.length % 2 === 1;
			const res = asForm ? await raw('POST', '/webhook/waitlist-signup', { ...FORM, accept: 'application/json' }, form(sent as Record<string, string>)) : await postJson('/webhook/waitlist-signup', sent);
			statuses.push(res.status);
			assert.ok(res.status === 201 || (res.status >= 400 && res.status < 500), `${JSON.stringify(sent)} → ${res.status} ${res.text.slice(0, 200)}`);
			if (res.status !== 201) {
				const body = JSON.parse(res.text) as { errors: Array<{ field: string }> };
				assert.ok(body.errors.length > 0 && body.errors.every((e) => e.field in sent), `${JSON.stringify(sent)} → ${res.text.slice(0, 300)}`);
			}
		}
		const emails = fc.sample(hostileEmail, { seed: HOSTILE_SEED, numRuns: 15 });
		const events = emails.map((email, i) => JSON.stringify(stripe.checkoutCompleted(`evt_fuzz_${i}`, { order: `pi_fuzz_${i}`, email, customer: `cus_fuzz_${i}` })));
		for (const event of events) {
			const signed = stripeSign(event, STRIPE_TEST_WHSEC);
			const res = await raw('POST', '/webhook/stripe-purchases', { 'content-type': 'application/json', ...signed.headers }, signed.rawBody);
			statuses.push(res.status);
			assert.equal(res.status, 200, res.text.slice(0, 200));
		}
		for (const text of fc.sample(hostileText, { seed: HOSTILE_SEED, numRuns: 10 })) {
			const unsigned = await raw('POST', '/webhook/stripe-purchases', { 'content-type': 'application/json' }, text);
			statuses.push(unsigned.status);
			assert.ok([400, 401, 415, 422].includes(unsigned.status), `unsigned ${JSON.stringify(text)} → ${unsigned.status}`);
			const page = await raw('POST', '/webhook/waitlist-kill-switch', { ...FORM, authorization: PAGE_AUTH }, form({ action: 'pauseGrants', reason: text.trim() === '' ? '\u0000' : text, name: text }));
			statuses.push(page.status);
			assert.ok(page.status === 200 || (page.status >= 400 && page.status < 500), `kill switch ${JSON.stringify(text)} → ${page.status} ${page.text.slice(0, 200)}`);
			if (page.status === 200) await raw('POST', '/webhook/waitlist-kill-switch', { ...FORM, authorization: PAGE_AUTH }, form({ action: 'resume', reason: 'fuzz case done' }));
		}
		for (const text of fc.sample(hostileText, { seed: HOSTILE_SEED + 1, numRuns: 10 })) {
			const query = new URLSearchParams({ utm_campaign: text, utm_source: text }).toString();
			const page = await raw('GET', `/webhook/waitlist-signup?${query}`);
			statuses.push(page.status);
			assert.equal(page.status, 200, `hosted form ?${query} → ${page.status}`);
			assert.ok(!page.text.includes('<script>') && !page.text.includes('\u0000'), `the hosted form shows the campaign escaped: ${query}`);
		}
		console.log(`fuzzed through n8n: ${statuses.length} requests → ${[...new Set(statuses)].sort().map((s) => `${s} × ${statuses.filter((x) => x === s).length}`).join(', ')}`);
		// Every fuzzed payment ran to an end (matched, or sent to review); no run failed.
		await waitFor('every fuzzed payment processed', () =>
			n8n.withLedger(async (ledger) => ((await ledger.purchases.inbox('default', { status: 'received', limit: 5 })).length === 0 ? true : undefined)),
		);
		const failed = n8n.executions().filter((e) => e.status === 'error');
		assert.deepEqual(failed.map((e) => `${e.workflowId}: ${JSON.stringify(e.errors).slice(0, 200)}`), []);
		await assertNothingHalf();
		await stillAnswering('fuzzed');
	});

	it('header injection at the redirects: the thank-you redirect and the dashboard\'s "check now" carry no CR/LF, no extra header, and no foreign origin', async () => {
		const injected = {
			email: 'redirect@example.com',
			utm_source: '//evil.example/',
			utm_medium: 'email',
			utm_campaign: 'launch\r\nSet-Cookie: evil=1',
			utm_content: 'https://evil.example/\nLocation: https://evil.example/',
			utm_term: '%0d%0aSet-Cookie:%20evil=2',
		};
		for (const [name, res] of [
			['JSON', await postJson('/webhook/hostile-thanks', injected)],
			['form', await raw('POST', '/webhook/hostile-thanks', { ...FORM, accept: 'text/html' }, form(injected))],
		] as const) {
			assert.equal(res.status, 303, `${name}: ${res.status} ${res.text.slice(0, 200)}`);
			const location = String(res.headers.location);
			assert.equal(new URL(location).origin, new URL(THANKS_URL).origin, `${name}: ${location}`);
			assert.ok(location.startsWith(`${THANKS_URL}?`), location);
			assert.ok(!/[\r\n]/.test(location), location);
			assert.equal(res.headers['set-cookie'], undefined, `${name}: no header smuggled in`);
			assert.equal(new URL(location).searchParams.get('utm_campaign'), 'launch\r\nSet-Cookie: evil=1', 'the value rides along encoded, as data');
		}
		assert.ok(await contactOf('redirect@example.com', THANKS_LAUNCH));

		for (const path of ['/webhook/launch-monitor', '/webhook/launch-monitor?next=https://evil.example/', '/webhook/launch-monitor?x=%0d%0aSet-Cookie:%20evil=3']) {
			const res = await raw('POST', path, { ...FORM, authorization: DASHBOARD_AUTH, origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` }, '');
			assert.equal(res.status, 303, `${path}: ${res.status}`);
			assert.equal(res.headers.location, '/webhook/launch-monitor?checked=1', path);
			assert.equal(res.headers['set-cookie'], undefined);
		}
		// A foreign Host cannot move the redirect either: it is a path on whatever site the browser is on.
		const foreignHost = await raw('POST', '/webhook/launch-monitor', { ...FORM, authorization: DASHBOARD_AUTH, host: 'evil.example' }, '');
		assert.deepEqual([foreignHost.status, foreignHost.headers.location], [303, '/webhook/launch-monitor?checked=1']);
		const crossSite = await raw('POST', '/webhook/launch-monitor', { ...FORM, authorization: DASHBOARD_AUTH, origin: 'https://evil.example' }, '');
		assert.equal(crossSite.status, 403);
		assert.equal(crossSite.headers.location, undefined);
		// The pages answer every action with a page, never a redirect a post could steer.
		for (const path of ['/webhook/waitlist-kill-switch', '/webhook/waitlist-review']) {
			const res = await raw('POST', `${path}?next=https://evil.example/`, { ...FORM, authorization: PAGE_AUTH }, form({ action: 'nothing', reason: 'x', next: 'https://evil.example/' }));
			assert.equal(res.status, 400, `${path}: ${res.status}`);
			assert.equal(res.headers.location, undefined);
		}
		await stillAnswering('redirects');
	});

	it('slow bodies: 24 slowloris requests on every POST surface and 8 never-ending headers do not block other requests; nothing they sent is stored', async () => {
		const before = await ledgerCounts();
		const sockets: Socket[] = [];
		const open = (text: string) =>
			new Promise<Socket>((resolve, reject) => {
				const socket = connect(port, '127.0.0.1', () => resolve(socket));
				socket.on('error', () => undefined);
				socket.once('error', reject);
				socket.write(text);
				sockets.push(socket);
			});
		const posts = ['/webhook/waitlist-signup', '/webhook/stripe-purchases', '/webhook/checkout', '/webhook/hostile-thanks', '/webhook/waitlist-kill-switch', '/webhook/waitlist-review'];
		for (let i = 0; i < 24; i++) {
			const path = posts[i % posts.length]!;
			await open(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: ${PAGE_AUTH}\r\nContent-Length: 100000\r\n\r\n{"email":"slow${i}@example.com","note":"`);
		}
		for (let i = 0; i < 8; i++) await open(`GET /webhook/waitlist-signup HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `);
		// A byte every 200 ms on each, while other visitors sign up and open the pages.
		const drip = setInterval(() => {
			for (const s of sockets) if (!s.destroyed) s.write('x');
		}, 200);
		try {
			for (let i = 0; i < 3; i++) await stillAnswering(`during slowloris ${i}`);
			const form = await raw('GET', '/webhook/waitlist-signup');
			assert.equal(form.status, 200);
			const snippet = await raw('GET', '/webhook/waitlist-signup/snippet.js');
			assert.equal(snippet.status, 200);
			const open = sockets.filter((s) => !s.destroyed).length;
			console.log(`slowloris: ${open} of ${sockets.length} slow connections still open while 3 good signups and every page were answered`);
			assert.ok(open > 0, 'the slow connections were still open, i.e. the good requests ran beside them');
		} finally {
			clearInterval(drip);
			for (const s of sockets) s.destroy();
		}
		const after = await assertNothingHalf();
		assert.equal(after.contacts, before.contacts + 3, 'only the three good signups');
		assert.equal(after.inbox, before.inbox, 'no half-read payment kept as if whole');
		for (let i = 0; i < 24; i++) assert.equal(await contactOf(`slow${i}@example.com`), null);
		await stillAnswering('after slowloris');
	});
});
