import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { DEFAULT_CAPTURE_POLICY, type CapturePolicy } from '../../ledger';
import { attributionToStore } from '../../ledger/internal';

/**
 * Issue 18, consent: without consent, a page address keeps only its site (no path, query or
 * fragment), click ids only as the creator chose, campaign names only when they are names — for any
 * URL and any values; with consent, everything as sent.
 */

const policy = (mode: CapturePolicy['attributionWithoutConsent']): CapturePolicy => ({ ...DEFAULT_CAPTURE_POLICY, attributionWithoutConsent: mode, secret: 'unit-secret' });
const MODES = ['raw', 'hashed', 'drop'] as const;

const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}(\.[a-z]{2,6}){1,2}$/);
const pathPart = fc.stringMatching(/^[A-Za-z0-9._~@%-]{0,12}$/);
const pageUrl = fc
	.record({
		scheme: fc.constantFrom('http', 'https'),
		host,
		port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
		path: fc.array(pathPart, { maxLength: 4 }),
		query: fc.dictionary(fc.constantFrom('utm_source', 'utm_campaign', 'gclid', 'fbclid', 'email', 'q', 'ref'), fc.string({ maxLength: 20 })),
		fragment: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
	})
	.map(({ scheme, host: h, port, path, query, fragment }) => {
		const search = new URLSearchParams(query).toString();
		return `${scheme}://${h}${port ? `:${port}` : ''}/${path.join('/')}${search ? `?${search}` : ''}${fragment !== undefined ? `#${encodeURIComponent(fragment)}` : ''}`;
	});
const clickId = fc.stringMatching(/^[A-Za-z0-9_-]{4,40}$/);
const campaign = fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,20}$/), fc.constant('ada@example.com'), fc.constant('https://x.example/p?email=a@b.co'));

describe('attribution without consent', () => {
	it('referrer and landing URL keep only their site, for any URL; "drop" keeps neither', () => {
		fc.assert(
			fc.property(pageUrl, pageUrl, fc.constantFrom(...MODES), (referrer, landing, mode) => {
				const stored = attributionToStore({ consentGiven: false, attribution: { referrer, landing_url: landing, utm_source: 'ig' } }, policy(mode));
				if (mode === 'drop') {
					assert.deepEqual(stored, { utm_source: 'ig' });
					return;
				}
				assert.equal(stored.referrer, new URL(referrer).origin);
				assert.equal(stored.landing_url, new URL(landing).origin);
				for (const kept of [stored.referrer!, stored.landing_url!]) {
					assert.doesNotMatch(kept.replace(/^https?:\/\//, ''), /[/?#@]/, `${kept} is a site, nothing more`);
				}
			}),
		);
	});

	it('click ids are kept as sent, hashed or dropped as configured; never raw when hashed', () => {
		fc.assert(
			fc.property(clickId, fc.constantFrom('gclid', 'fbclid', 'ttclid', 'msclkid'), fc.constantFrom(...MODES), (id, key, mode) => {
				const stored = attributionToStore({ consentGiven: false, attribution: { [key]: id } }, policy(mode));
				if (mode === 'raw') assert.equal(stored[key], id);
				if (mode === 'drop') assert.equal(stored[key], undefined);
				if (mode === 'hashed') {
					assert.match(stored[key] ?? '', /^hmac:[0-9a-f]{32}$/);
					assert.ok(!JSON.stringify(stored).includes(id));
				}
			}),
		);
	});

	it('campaign names are kept unless they carry an address or a link', () => {
		fc.assert(
			fc.property(campaign, fc.constantFrom(...MODES), (value, mode) => {
				const stored = attributionToStore({ consentGiven: false, attribution: { utm_content: value } }, policy(mode));
				assert.equal(stored.utm_content, value.includes('@') || value.includes('://') ? undefined : value);
			}),
		);
	});

	it('an address that is not a web page (javascript:, a bare word) is not kept at all', () => {
		for (const referrer of ['javascript:alert(1)', 'not a url', 'mailto:ada@example.com', 'ftp://files.example/x']) {
			assert.deepEqual(attributionToStore({ consentGiven: false, attribution: { referrer } }, policy('raw')), {});
		}
	});

	it('with consent everything is kept as sent, whatever the mode', () => {
		fc.assert(
			fc.property(pageUrl, clickId, campaign, fc.constantFrom(...MODES), (url, id, name, mode) => {
				const attribution = { referrer: url, landing_url: url, gclid: id, utm_content: name };
				assert.deepEqual(attributionToStore({ consentGiven: true, attribution }, policy(mode)), attribution);
			}),
		);
	});

	it('the default is to hash click ids', () => {
		assert.equal(DEFAULT_CAPTURE_POLICY.attributionWithoutConsent, 'hashed');
	});
});
