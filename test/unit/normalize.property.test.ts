import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { LedgerInputError } from '../../ledger';
import { emailSkeleton, normalizeEmail, normalizeIdentifier, normalizePhone, normalizeTagKey } from '../../ledger/internal';

/** Runs `f`; input errors (the value was rejected) count as "no output", anything else is a bug. */
function attempt<T>(f: () => T): T | null {
	try {
		return f();
	} catch (error) {
		if (error instanceof LedgerInputError) return null;
		throw error;
	}
}

const localPart = fc.stringMatching(/^[A-Za-z0-9._+\u00C0-\u017F\u0130-]{1,20}$/);
const domain = fc.stringMatching(/^[A-Za-z0-9\u00C0-\u017F-]{1,12}\.[A-Za-z]{2,6}$/);
const padding = fc.stringMatching(/^[ \t\n]{0,3}$/);
const emailLike = fc.tuple(padding, localPart, fc.constantFrom('gmail.com', 'GoogleMail.com', 'example.com'), domain, fc.boolean(), padding).map(
	([pre, local, known, other, useKnown, post]) => `${pre}${local}@${useKnown ? known : other}${post}`,
);

describe('normalization is idempotent', () => {
	it('email: normalizing the matching key again gives the same key (with and without the Gmail rule)', () => {
		fc.assert(
			fc.property(fc.oneof(emailLike, fc.string()), fc.boolean(), (raw, gmail) => {
				const once = attempt(() => normalizeEmail(raw, 'email', { gmail }));
				if (!once) return;
				const twice = normalizeEmail(once.value, 'email', { gmail });
				assert.equal(twice.value, once.value);
				// The display value is the input as typed (trimmed, NFKC, no trailing dot), never the folded key.
				assert.equal(once.display, raw.trim().normalize('NFKC').replace(/\.$/, ''));
			}),
			{ numRuns: 2000 },
		);
	});

	it('email: differently typed forms of one address share a key', () => {
		fc.assert(
			fc.property(localPart, domain, (local, dom) => {
				const a = attempt(() => normalizeEmail(`${local}@${dom}`));
				if (!a) return;
				// ı, ß, ſ …: uppercasing them spells another letter, so it is another address.
				const caseless = (text: string) => text.toUpperCase().toLowerCase() === text.toLowerCase();
				if (!caseless(local) || !caseless(dom)) return;
				assert.equal(normalizeEmail(`  ${local.toUpperCase()}@${dom.toUpperCase()} `).value, a.value);
			}),
		);
	});

	it('email: fullwidth, IDN / punycode and a trailing dot are one key; invisible and control characters are refused', () => {
		const fullwidth = (text: string) => Array.from(text, (ch) => (ch >= '!' && ch <= '~' ? String.fromCodePoint(ch.codePointAt(0)! + 0xfee0) : ch)).join('');
		fc.assert(
			fc.property(localPart, domain, fc.constantFrom('\u200b', '\u200c', '\u200d', '\u2060', '\u00ad', '\ufeff', '\u202e', '\u2066', '\u0000', '\u0007', '\u001b'), fc.nat(), (local, dom, hidden, where) => {
				const plain = attempt(() => normalizeEmail(`${local}@${dom}`));
				if (!plain) return;
				assert.match(plain.value.slice(plain.value.lastIndexOf('@') + 1), /^[\x21-\x7e]+$/, 'the domain part of a key is ASCII');
				assert.equal(normalizeEmail(fullwidth(`${local}@${dom}`)).value, plain.value);
				assert.equal(normalizeEmail(`${local}@${dom}.`).value, plain.value);
				const address = `${local}@${dom}`;
				const at = where % (address.length + 1);
				assert.throws(() => normalizeEmail(`${address.slice(0, at)}${hidden}${address.slice(at)}`.replace(/^[\t\n ]+|[\t\n ]+$/g, 'x')), LedgerInputError);
			}),
			{ numRuns: 1000 },
		);
		assert.equal(normalizeEmail('ada@bücher.de').value, 'ada@xn--bcher-kva.de');
		assert.equal(normalizeEmail('ADA@XN--BCHER-KVA.DE').value, 'ada@xn--bcher-kva.de');
		assert.equal(normalizeEmail('ada@bücher.de').display, 'ada@bücher.de');
		assert.throws(() => normalizeEmail('ada@example.com..'), /is not a domain name/);
	});

	it('email: a mixed-script lookalike names the Latin address it imitates; single-script addresses and plain ones name none', () => {
		const skeleton = (typed: string) => emailSkeleton(normalizeEmail(typed).value);
		assert.equal(skeleton('\u0430da@example.com'), 'ada@example.com');
		assert.equal(skeleton('ada@ex\u0430mple.com'), 'ada@example.com');
		assert.equal(skeleton('\u0440\u0430yp\u0430l@example.com'), 'paypal@example.com');
		assert.equal(skeleton('ad\u03b1@example.com'), 'ada@example.com');
		assert.equal(skeleton('ada@example.com'), null);
		assert.equal(skeleton('иван@пример.рф'), null);
		assert.equal(skeleton('ada@bücher.de'), null);
		fc.assert(
			fc.property(localPart, domain, (local, dom) => {
				const plain = attempt(() => normalizeEmail(`${local}@${dom}`));
				if (!plain) return;
				// Latin-only (with accents) addresses are never lookalikes of anything.
				assert.equal(emailSkeleton(plain.value), null);
			}),
		);
	});

	it('email: the Gmail rule folds dots, +tags and googlemail.com, only when opted in', () => {
		assert.equal(normalizeEmail('A.da.L+launch@GoogleMail.com', 'email', { gmail: true }).value, 'adal@gmail.com');
		assert.equal(normalizeEmail('A.da.L+launch@GoogleMail.com').value, 'a.da.l+launch@googlemail.com');
		assert.equal(normalizeEmail('a.b+x@example.com', 'email', { gmail: true }).value, 'a.b+x@example.com');
	});

	it('phone: the E.164 result normalizes to itself, in any default country', () => {
		const digits = fc.stringMatching(/^[0-9 ()+.-]{4,20}$/);
		fc.assert(
			fc.property(digits, fc.constantFrom('US', 'GB', 'DE', 'FR', 'IN', 'BR'), fc.constantFrom('US', 'GB', 'JP'), (raw, country, otherCountry) => {
				const once = attempt(() => normalizePhone(raw, country));
				if (!once) return;
				assert.match(once.value, /^\+[1-9]\d{3,14}$/);
				assert.equal(normalizePhone(once.value, country).value, once.value);
				assert.equal(normalizePhone(once.value, otherCountry).value, once.value, 'an E.164 number does not depend on the default country');
			}),
			{ numRuns: 3000 },
		);
		assert.equal(normalizePhone('(415) 555-2671', 'US').value, '+14155552671');
		assert.equal(normalizePhone('020 7946 0958', 'GB').value, '+442079460958');
	});

	it('customer ids and ext ids: trimmed, case kept, idempotent', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 60 }), fc.constantFrom('customer_id', 'ext:mailchimp', 'purchase_token'), (raw, kind) => {
				const once = attempt(() => normalizeIdentifier(kind, raw));
				if (!once) return;
				assert.equal(normalizeIdentifier(kind, once.value).value, once.value);
			}),
		);
	});

	it('tag keys: idempotent, and spaces/underscores/hyphens/case collapse', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 40 }), (raw) => {
				const once = normalizeTagKey(raw);
				assert.equal(normalizeTagKey(once), once);
			}),
			{ numRuns: 5000 },
		);
		fc.assert(
			fc.property(fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom(' ', '_', '-', '  ', ' - '), { minLength: 3, maxLength: 3 }), (words, seps) => {
				const joined = words.map((w, i) => (i === 0 ? w : `${seps[i % 3]}${w.toUpperCase()}`)).join('');
				assert.equal(normalizeTagKey(joined), words.join('-'));
			}),
		);
		// Found by fast-check (seed 49758914): an unclosed "(" between spaces once needed two passes.
		assert.equal(normalizeTagKey(normalizeTagKey('! ( ')), normalizeTagKey('! ( '));
		assert.equal(normalizeTagKey('Early Bird'), 'early-bird');
		assert.equal(normalizeTagKey('early_bird'), 'early-bird');
		assert.equal(normalizeTagKey('early-bird'), 'early-bird');
		assert.equal(normalizeTagKey('Early Bird (ad)'), 'early-bird(ad)');
	});
});
