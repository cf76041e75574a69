import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { LedgerInputError } from '../../ledger';
import { abuseKeyHash, abuseSettings, disposableDomainOf, DISPOSABLE_DOMAINS, emailPatternKey, networkOf, normalizeDomain } from '../../ledger/internal';

const lists = { extraDisposableDomains: [], allowedDomains: [] };
const label = fc.stringMatching(/^[a-z0-9]{1,10}$/);

describe('abuse rules: disposable domains', () => {
	it('every shipped domain is normalized already, listed once', () => {
		assert.equal(new Set(DISPOSABLE_DOMAINS).size, DISPOSABLE_DOMAINS.length);
		for (const d of DISPOSABLE_DOMAINS) assert.equal(normalizeDomain(d), d);
	});

	it('a listed domain matches itself and any subdomain of it, in any case and with a trailing dot', () => {
		fc.assert(
			fc.property(fc.constantFrom(...DISPOSABLE_DOMAINS), fc.array(label, { maxLength: 3 }), fc.boolean(), fc.boolean(), (listed, sub, upper, dot) => {
				const domain = [...sub, listed].join('.');
				const typed = `${upper ? domain.toUpperCase() : domain}${dot ? '.' : ''}`;
				assert.equal(disposableDomainOf(typed, lists), listed);
			}),
		);
	});

	it('a domain that only ends with the same letters is not a subdomain (notmailinator.com)', () => {
		fc.assert(fc.property(fc.constantFrom(...DISPOSABLE_DOMAINS), label, (listed, prefix) => assert.equal(disposableDomainOf(`${prefix}${listed}`, lists), null)));
	});

	it('IDN and punycode spellings are one domain; allowed wins over listed', () => {
		const settings = abuseSettings({ extraDisposableDomains: ['Wegwerf-Bücher.example'], allowedDomains: ['mailinator.com'] });
		assert.equal(disposableDomainOf('xn--wegwerf-bcher-4ob.example', settings), 'xn--wegwerf-bcher-4ob.example');
		assert.equal(disposableDomainOf('mail.WEGWERF-BÜCHER.example', settings), 'xn--wegwerf-bcher-4ob.example');
		assert.equal(disposableDomainOf('eu.mailinator.com', settings), null);
		assert.throws(() => abuseSettings({ extraDisposableDomains: ['not a domain'] }), (e: unknown) => e instanceof LedgerInputError && e.field === 'abuse.extraDisposableDomains[0]');
		assert.throws(() => abuseSettings({ networkLimit: -1 }), (e: unknown) => e instanceof LedgerInputError && e.field === 'abuse.networkLimit');
	});
});

describe('abuse rules: address patterns', () => {
	it('name+tag, nameN, n.a.m.e_N share one pattern per domain; other domains and names do not', () => {
		fc.assert(
			fc.property(fc.stringMatching(/^[a-z]{2,12}$/), fc.nat(9999), fc.constantFrom('+', '', '.', '_', '-'), (name, n, sep) => {
				const variant = sep === '+' ? `${name}+${n}` : `${name}${sep}${n}`;
				assert.equal(emailPatternKey(`${variant}@example.com`), `${name}@example.com`);
				assert.equal(emailPatternKey(`${name}@example.com`), `${name}@example.com`);
				assert.notEqual(emailPatternKey(`${variant}@example.org`), `${name}@example.com`);
			}),
		);
		assert.equal(emailPatternKey('a.d.a_77@example.com'), 'ada@example.com');
		assert.equal(emailPatternKey('7@example.com'), null, 'too little left to be a pattern');
		assert.equal(emailPatternKey('a1@example.com'), null);
	});

	it('the pattern of a pattern is itself (idempotent)', () => {
		fc.assert(
			fc.property(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), (local) => {
				const key = emailPatternKey(`${local}@example.com`);
				if (key) assert.equal(emailPatternKey(key), key);
			}),
		);
	});
});

describe('abuse rules: networks', () => {
	const octet = fc.integer({ min: 0, max: 255 });
	it('IPv4 addresses in one /24 share a network; the last octet never matters', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 9 }), octet, octet, octet, octet, (a, b, c, d1, d2) => {
				assert.equal(networkOf(`${a}.${b}.${c}.${d1}`), `${a}.${b}.${c}.0/24`);
				assert.equal(networkOf(`${a}.${b}.${c}.${d1}`), networkOf(`::ffff:${a}.${b}.${c}.${d2}`));
			}),
		);
	});

	it('IPv6 addresses in one /64 share a network, however they are written', () => {
		const group = fc.integer({ min: 0, max: 0xffff });
		fc.assert(
			fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.array(group, { minLength: 4, maxLength: 4 }), (g, tail) => {
				fc.pre(g[0]! >= 0x2000 && g[0]! <= 0x3fff);
				const full = g.map((x) => x.toString(16)).join(':');
				const other = [...g.slice(0, 4), ...tail].map((x) => x.toString(16).padStart(4, '0').toUpperCase()).join(':');
				assert.equal(networkOf(full), networkOf(other));
				assert.equal(networkOf(`[${full}]`), networkOf(full));
			}),
		);
		assert.equal(networkOf('2001:db8::1'), '2001:db8:0:0::/64');
		assert.equal(networkOf('2001:db8:0:0:ffff::9'), '2001:db8:0:0::/64');
		assert.equal(networkOf('2001:db8:0:1::9'), '2001:db8:0:1::/64');
	});

	it('loopback, private, link-local and CGNAT addresses, and garbage, have no network', () => {
		for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '172.31.255.1', '192.168.1.1', '169.254.1.1', '100.64.0.1', '::1', '::ffff:127.0.0.1', 'fd00::1', 'fe80::1%eth0', 'nonsense', '', null, undefined]) {
			assert.equal(networkOf(a), null, String(a));
		}
		assert.equal(networkOf('172.32.0.1'), '172.32.0.0/24');
	});

	it('keys are stored as HMACs: same key same hash, another secret or signal another hash, never the key itself', () => {
		fc.assert(
			fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (secret, key) => {
				const hash = abuseKeyHash(secret, 'network_velocity', key);
				assert.match(hash, /^[0-9a-f]{32}$/);
				assert.equal(abuseKeyHash(secret, 'network_velocity', key), hash);
				assert.notEqual(abuseKeyHash(secret, 'pattern_velocity', key), hash);
				assert.notEqual(abuseKeyHash(`${secret}x`, 'network_velocity', key), hash);
			}),
		);
	});
});
