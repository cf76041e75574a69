import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';

import type { GenericHmacOptions, HeaderBag, PaymentProvider, VerifyResult } from '../../ledger';
import { verifyWebhook } from '../../ledger/internal';

const SECRET = 'whsec_test_secret_value';
const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;
const BODY = JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', data: { object: { amount_total: 5900 } } });
// One byte changed: 5900 → 5901.
const TAMPERED = BODY.replace('5900', '5901');

// The fixtures sign with this; a test switches it to sign with another secret.
let signingSecret = SECRET;
const hmacOf = (alg: string, text: string, encoding: 'hex' | 'base64') => createHmac(alg, signingSecret).update(text).digest(encoding);

/** Each provider's fixture is signed the way that provider documents it. */
interface Case {
	provider: PaymentProvider;
	sign(body: string, timestampSeconds: number): HeaderBag;
	signsTime: boolean;
	generic?: GenericHmacOptions;
}

const GENERIC_TS: GenericHmacOptions = { header: 'X-Hub-Signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', signed: 'timestamp.body', timestampHeader: 'X-Timestamp' };
const GENERIC_BODY: GenericHmacOptions = { header: 'X-Hub-Signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', signed: 'body' };
const GENERIC_SHA1: GenericHmacOptions = { header: 'X-Signature', algorithm: 'sha1', encoding: 'hex', signed: 'body' };

const CASES: (Case & { name: string })[] = [
	{
		name: 'stripe',
		provider: 'stripe',
		signsTime: true,
		sign: (body, t) => ({ 'Stripe-Signature': `t=${t},v1=${hmacOf('sha256', `${t}.${body}`, 'hex')},v0=deadbeef` }),
	},
	{ name: 'lemonsqueezy', provider: 'lemonsqueezy', signsTime: false, sign: (body) => ({ 'X-Signature': hmacOf('sha256', body, 'hex'), 'X-Event-Name': 'order_created' }) },
	{ name: 'paddle', provider: 'paddle', signsTime: true, sign: (body, ts) => ({ 'Paddle-Signature': `ts=${ts};h1=${hmacOf('sha256', `${ts}:${body}`, 'hex')}` }) },
	{ name: 'shopify', provider: 'shopify', signsTime: false, sign: (body) => ({ 'X-Shopify-Hmac-Sha256': hmacOf('sha256', body, 'base64') }) },
	{
		name: 'generic (sha512, base64, prefix, timestamp.body)',
		provider: 'generic',
		generic: GENERIC_TS,
		signsTime: true,
		sign: (body, ts) => ({ 'X-Hub-Signature': `sha512=${hmacOf('sha512', `${ts}.${body}`, 'base64')}`, 'X-Timestamp': String(ts) }),
	},
	{ name: 'generic (sha256, hex, sha256= prefix, body)', provider: 'generic', generic: GENERIC_BODY, signsTime: false, sign: (body) => ({ 'X-Hub-Signature-256': `sha256=${hmacOf('sha256', body, 'hex')}` }) },
	{ name: 'generic (sha1, hex, body)', provider: 'generic', generic: GENERIC_SHA1, signsTime: false, sign: (body) => ({ 'x-signature': hmacOf('sha1', body, 'hex') }) },
];

function check(c: Case, body: string, headers: HeaderBag, now = NOW): VerifyResult {
	return verifyWebhook({ provider: c.provider, secret: SECRET, rawBody: body, headers, generic: c.generic, now });
}

for (const c of CASES) {
	describe(`webhook signature: ${c.name}`, () => {
		it('accepts a delivery signed as the provider signs it (also given as a Buffer)', () => {
			assert.deepEqual(check(c, BODY, c.sign(BODY, NOW_S)), { ok: true, needsConfirmation: false });
			assert.deepEqual(verifyWebhook({ provider: c.provider, secret: SECRET, rawBody: Buffer.from(BODY), headers: c.sign(BODY, NOW_S), generic: c.generic, now: NOW }).ok, true);
		});

		it('rejects a signature made with another secret', () => {
			signingSecret = 'whsec_someone_else';
			const forged = c.sign(BODY, NOW_S);
			signingSecret = SECRET;
			assert.notDeepEqual(forged, c.sign(BODY, NOW_S), 'the fixture changed');
			assert.deepEqual(check(c, BODY, forged), { ok: false, reason: 'bad_signature' });
		});

		it('rejects the body changed by one byte', () => {
			assert.deepEqual(check(c, TAMPERED, c.sign(BODY, NOW_S)), { ok: false, reason: 'bad_signature' });
		});

		it('rejects a delivery without the signature header', () => {
			assert.deepEqual(check(c, BODY, { 'content-type': 'application/json' }), { ok: false, reason: 'missing_header' });
		});

		if (c.signsTime) {
			it('rejects a correctly signed delivery whose timestamp is more than 300 s away, and accepts one inside it', () => {
				assert.deepEqual(check(c, BODY, c.sign(BODY, NOW_S - 301)), { ok: false, reason: 'stale_timestamp' });
				assert.deepEqual(check(c, BODY, c.sign(BODY, NOW_S + 301)), { ok: false, reason: 'stale_timestamp' });
				assert.equal(check(c, BODY, c.sign(BODY, NOW_S - 299)).ok, true);
			});
		} else {
			it('has no timestamp, so a replay of the same delivery verifies (the inbox dedupes it)', () => {
				assert.equal(check(c, BODY, c.sign(BODY, 0), NOW + 86_400_000).ok, true);
			});
		}
	});
}

describe('webhook signature: provider specifics', () => {
	it('Stripe: accepts any of several v1 signatures (secret rotation) and refuses a header without t or v1', () => {
		const good = hmacOf('sha256', `${NOW_S}.${BODY}`, 'hex');
		const headers = { 'stripe-signature': `t=${NOW_S},v1=${'ab'.repeat(32)},v1=${good}` };
		assert.equal(check(CASES[0]!, BODY, headers).ok, true);
		assert.deepEqual(check(CASES[0]!, BODY, { 'Stripe-Signature': `v1=${good}` }), { ok: false, reason: 'malformed_header' });
		assert.deepEqual(check(CASES[0]!, BODY, { 'Stripe-Signature': `t=${NOW_S}` }), { ok: false, reason: 'malformed_header' });
		assert.deepEqual(check(CASES[0]!, BODY, { 'Stripe-Signature': 'garbage' }), { ok: false, reason: 'malformed_header' });
		assert.deepEqual(check(CASES[0]!, BODY, { 'Stripe-Signature': `t=yesterday,v1=${good}` }), { ok: false, reason: 'malformed_header' });
	});

	it('Paddle: a header with the wrong separator is malformed', () => {
		const h1 = hmacOf('sha256', `${NOW_S}:${BODY}`, 'hex');
		assert.deepEqual(check(CASES[2]!, BODY, { 'Paddle-Signature': `ts=${NOW_S};h1` }), { ok: false, reason: 'malformed_header' });
		assert.equal(check(CASES[2]!, BODY, { 'Paddle-Signature': `ts=${NOW_S};h1=${h1}` }).ok, true);
	});

	it('generic: a missing prefix is malformed; a missing timestamp header is missing', () => {
		const sig = hmacOf('sha256', BODY, 'hex');
		assert.deepEqual(check(CASES[5]!, BODY, { 'X-Hub-Signature-256': sig }), { ok: false, reason: 'malformed_header' });
		const ts = CASES[4]!.sign(BODY, NOW_S);
		assert.deepEqual(check(CASES[4]!, BODY, { 'X-Hub-Signature': ts['X-Hub-Signature'] }), { ok: false, reason: 'missing_header' });
	});

	it('Gumroad: the URL secret is compared, and a pass still needs the sale confirmed', () => {
		const gumroad = (urlSecret?: string) => verifyWebhook({ provider: 'gumroad', secret: SECRET, rawBody: 'sale_id=1', headers: {}, urlSecret });
		assert.deepEqual(gumroad(SECRET), { ok: true, needsConfirmation: true });
		assert.deepEqual(gumroad(`${SECRET}x`), { ok: false, reason: 'bad_signature' });
		assert.deepEqual(gumroad('short'), { ok: false, reason: 'bad_signature' });
		assert.deepEqual(gumroad(undefined), { ok: false, reason: 'missing_header' });
	});

	it('refuses to verify without a secret (a configuration error, not a sender error)', () => {
		assert.throws(() => verifyWebhook({ provider: 'stripe', secret: '', rawBody: BODY, headers: {} }), /secret is required/);
	});
});
