import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_CAPTURE_POLICY, signFormTimestamp, validateSignup, type CapturePolicy } from '../../ledger';
import { attributionToStore } from '../../ledger/internal';

const policy: CapturePolicy = { ...DEFAULT_CAPTURE_POLICY, secret: 'test-secret' };
const now = 1_800_000_000_000;

describe('signup validation', () => {
	it('accepts a plain signup and keeps UTMs and click ids from top-level fields or an attribution object', () => {
		const verdict = validateSignup(
			{ email: ' Ada@Example.com ', first_name: 'Ada', utm_source: 'newsletter', attribution: { gclid: 'G-1' }, consent: 'on', unknown_field: 'x' },
			policy,
			{ now },
		);
		assert.equal(verdict.ok, true);
		if (!verdict.ok) return;
		assert.equal(verdict.signup.email, 'Ada@Example.com');
		assert.deepEqual(verdict.signup.fields, { first_name: 'Ada' }, 'only known profile fields are kept');
		assert.deepEqual(verdict.signup.attribution, { utm_source: 'newsletter', gclid: 'G-1' });
		assert.equal(verdict.signup.consentGiven, true);
	});

	it('collects every field error at once', () => {
		const verdict = validateSignup({ email: 'nope', phone: '12', utm_medium: 'cpc', first_name: 'x'.repeat(300) }, policy, { now });
		assert.equal(verdict.ok, false);
		if (verdict.ok) return;
		assert.equal(verdict.status, 422);
		assert.deepEqual(verdict.errors.map((e) => e.field).sort(), ['email', 'first_name', 'phone', 'utm_source']);
	});

	it('refuses paid traffic without a source, naming utm_source', () => {
		const verdict = validateSignup({ email: 'a@b.co', utm_medium: 'paid_social', utm_campaign: 'spring' }, policy, { now });
		assert.equal(verdict.ok, false);
		if (verdict.ok) return;
		assert.equal(verdict.reason, 'paid_without_source');
		assert.match(verdict.errors[0]!.reason, /utm_source=/);
		assert.equal(validateSignup({ email: 'a@b.co', utm_medium: 'paid_social', utm_source: 'fb' }, policy, { now }).ok, true);
		assert.equal(validateSignup({ email: 'a@b.co', utm_medium: 'email' }, policy, { now }).ok, true, 'organic mediums need no source');
	});

	it('refuses a filled honeypot and a form sent too fast; a forged timestamp counts as too fast', () => {
		const honeypot = validateSignup({ email: 'a@b.co', website: 'http://spam' }, policy, { now });
		assert.equal(!honeypot.ok && honeypot.reason, 'honeypot');
		const fast = validateSignup({ email: 'a@b.co', wl_ts: signFormTimestamp(now - 500, policy.secret) }, policy, { now });
		assert.equal(!fast.ok && fast.reason, 'too_fast');
		const slow = validateSignup({ email: 'a@b.co', wl_ts: signFormTimestamp(now - 5_000, policy.secret) }, policy, { now });
		assert.equal(slow.ok, true);
		const forged = validateSignup({ email: 'a@b.co', wl_ts: `${now - 60_000}.deadbeefdeadbeefdeadbeefdeadbeef` }, policy, { now });
		assert.equal(!forged.ok && forged.reason, 'too_fast');
	});

	it('requires the canonical key of the launch: phone-first launches need a phone', () => {
		const verdict = validateSignup({ first_name: 'Ada' }, policy, { now, canonicalKey: 'phone' });
		assert.equal(!verdict.ok && verdict.errors[0]?.field, 'phone');
		assert.equal(validateSignup({ phone: '020 7946 0958' }, policy, { now, canonicalKey: 'phone', defaultCountry: 'GB' }).ok, true);
	});

	it('without consent, keeps click ids and URLs only as configured (raw, hashed, dropped); campaign names always', () => {
		const verdict = validateSignup({ email: 'a@b.co', utm_source: 'fb', fbclid: 'FB-123', landing_url: 'https://x.test/?fbclid=FB-123' }, policy, { now });
		assert.ok(verdict.ok);
		const hashed = attributionToStore(verdict.signup, { ...policy, attributionWithoutConsent: 'hashed' });
		assert.equal(hashed.utm_source, 'fb');
		assert.match(hashed.fbclid ?? '', /^hmac:[0-9a-f]{32}$/);
		assert.ok(!JSON.stringify(hashed).includes('FB-123'), 'no raw click id is kept');
		assert.deepEqual(attributionToStore(verdict.signup, { ...policy, attributionWithoutConsent: 'drop' }), { utm_source: 'fb' });
		assert.equal(attributionToStore(verdict.signup, { ...policy, attributionWithoutConsent: 'raw' }).fbclid, 'FB-123');
		const consented = { ...verdict.signup, consentGiven: true };
		assert.equal(attributionToStore(consented, { ...policy, attributionWithoutConsent: 'drop' }).fbclid, 'FB-123', 'consent keeps everything');
	});

	it('a malformed utm_source is named for what is wrong with it (length, type), not as paid traffic without a source', () => {
		const cases: Array<[unknown, RegExp]> = [
			['x'.repeat(10 * 1024), /must be at most 2000 characters \(this one has 10240\)/],
			[{ nested: 'object' }, /must be text, not an object/],
			[['a', 'b'], /must be text, not a list/],
		];
		for (const [value, reason] of cases) {
			for (const extra of [{}, { utm_medium: 'cpc' }]) {
				const verdict = validateSignup({ email: 'a@b.co', utm_source: value, ...extra }, policy, { now });
				assert.equal(verdict.ok, false);
				if (verdict.ok) return;
				assert.deepEqual([verdict.status, verdict.reason, verdict.errors.length, verdict.errors[0]?.field], [422, 'invalid', 1, 'utm_source'], JSON.stringify(extra));
				assert.match(verdict.errors[0]!.reason, reason);
			}
		}
		const email = validateSignup({ email: { address: 'a@b.co' } }, policy, { now });
		assert.deepEqual(email.ok ? null : [email.reason, email.errors], ['invalid', [{ field: 'email', reason: 'must be text, not an object' }]]);
	});

	it('a hosted-form post must carry the signed time its form was shown at, at most a day old', () => {
		const hosted = { now, hostedForm: true };
		for (const wlTs of [undefined, '1', String(now - 60_000), `${now - 60_000}.`]) {
			const verdict = validateSignup({ email: 'a@b.co', wl_form: 'hosted', ...(wlTs === undefined ? {} : { wl_ts: wlTs }) }, policy, hosted);
			assert.deepEqual(verdict.ok ? 'accepted' : [verdict.reason, verdict.errors[0]?.field], ['too_fast', 'wl_ts'], `wl_ts=${wlTs}`);
		}
		const stamp = signFormTimestamp(now - 5_000, policy.secret);
		const ok = validateSignup({ email: 'a@b.co', wl_form: 'hosted', wl_ts: stamp }, policy, hosted);
		assert.equal(ok.ok && ok.signup.formStamp, stamp, 'the signed time is handed on, to be used once');
		assert.notEqual(signFormTimestamp(now, policy.secret), signFormTimestamp(now, policy.secret), 'two forms shown in the same millisecond differ');
		const stale = validateSignup({ email: 'a@b.co', wl_form: 'hosted', wl_ts: signFormTimestamp(now - 25 * 3_600_000, policy.secret) }, policy, hosted);
		assert.match(stale.ok ? '' : stale.errors[0]!.reason, /more than 24 hours ago/);
		assert.equal(validateSignup({ email: 'a@b.co', wl_form: 'hosted' }, { ...policy, minSubmitMs: 0 }, hosted).ok, true, 'the timing check turned off');
		assert.equal(validateSignup({ email: 'a@b.co' }, policy, { now }).ok, true, 'API posts carry no form time');
	});

	it('any non-empty honeypot value counts: a number, true, a list, an object; blank ones do not', () => {
		for (const website of [1, 0, true, false, ['x'], { url: 'x' }, 'http://spam']) {
			const verdict = validateSignup({ email: 'a@b.co', website }, policy, { now });
			assert.equal(verdict.ok ? 'accepted' : verdict.reason, 'honeypot', JSON.stringify(website));
		}
		for (const website of [undefined, null, '', '  ', [], {}, ['']]) {
			assert.equal(validateSignup({ email: 'a@b.co', website }, policy, { now }).ok, true, JSON.stringify(website));
		}
	});
});
