/**
 * Hostile text for the hostile-input pass (issue 18): a fixed, named table of Unicode tricks in
 * emails, and fast-check arbitraries that mix the same tricks into signup fields. Tests run the
 * arbitraries with HOSTILE_SEED, so a failure names a case that repeats.
 */
import fc from 'fast-check';

export const HOSTILE_SEED = 18_2026;

/** What a signup with this email gets: refused naming the character, or accepted onto one contact. */
export type EmailOutcome =
	| { refused: string } // the code point the 422 names, e.g. "U+0000"
	| { sameAs: string } // lands on the contact of this plain address
	| { lookalikeOf: string }; // a contact of its own, flagged as a possible duplicate of this one

export interface NamedEmail {
	name: string;
	email: string;
	outcome: EmailOutcome;
}

/** Each is a variant of REAL_EMAIL; the README's "Hostile input" table lists them. */
export const REAL_EMAIL = 'ada@example.com';
export const NAMED_EMAILS: NamedEmail[] = [
	{ name: 'NUL inside', email: 'ada\u0000@example.com', outcome: { refused: 'U+0000' } },
	{ name: 'CR LF and a Bcc header', email: 'ada@example.com\r\nBcc: all@example.com', outcome: { refused: 'U+000D' } },
	{ name: 'right-to-left override', email: 'ada@exam\u202eelp.com', outcome: { refused: 'U+202E' } },
	{ name: 'right-to-left mark', email: '\u200fada@example.com', outcome: { refused: 'U+200F' } },
	{ name: 'zero-width space', email: 'ad\u200ba@example.com', outcome: { refused: 'U+200B' } },
	{ name: 'half a character (lone surrogate)', email: 'ada\ud800@example.com', outcome: { refused: 'U+D800' } },
	{ name: 'replacement character (a garbled byte)', email: 'ada\ufffd@example.com', outcome: { refused: 'U+FFFD' } },
	{ name: 'fullwidth letters', email: 'ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ', outcome: { sameAs: REAL_EMAIL } },
	{ name: 'upper case and a trailing dot', email: 'ADA@EXAMPLE.COM.', outcome: { sameAs: REAL_EMAIL } },
	{ name: 'Cyrillic а (homoglyph)', email: '\u0430da@example.com', outcome: { lookalikeOf: REAL_EMAIL } },
	{ name: 'Greek α in the local part (homoglyph)', email: 'ad\u03b1@example.com', outcome: { lookalikeOf: REAL_EMAIL } },
	{ name: 'Cyrillic а in the domain (homoglyph)', email: 'ada@ex\u0430mple.com', outcome: { lookalikeOf: REAL_EMAIL } },
];

/** Characters that make text look like something it is not, or that some layer cannot hold. */
export const TRICK_CHARACTERS = [
	'\u0000', '\u0007', '\u001b', '\u007f', '\r', '\n', '\r\n', '\t',
	'\u200b', '\u200d', '\u00ad', '\ufeff', '\u200f', '\u202e', '\u2066', '\u2028',
	'\ud800', '\udc00', '\ufffd',
	'\u0430', '\u03b1', 'ａ', '＠', 'ß', 'İ',
	'%00', '%0d%0a', '<script>', '"', "'", '\\', '{', '}',
];

/** Free text built from trick characters and ordinary pieces. */
export const hostileText: fc.Arbitrary<string> = fc
	.array(fc.oneof(fc.constantFrom(...TRICK_CHARACTERS), fc.string({ maxLength: 4 }), fc.constantFrom('ada', 'Zoë', 'news', ' ')), { maxLength: 10 })
	.map((parts) => parts.join(''));

/** REAL_EMAIL-like addresses with a trick or two inserted at random places. */
export const hostileEmail: fc.Arbitrary<string> = fc
	.tuple(fc.constantFrom(REAL_EMAIL, 'bob.smith@example.org', 'zoë@bücher.de'), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...TRICK_CHARACTERS)), { minLength: 1, maxLength: 2 }))
	.map(([email, tricks]) => tricks.reduce<string>((text, [at, trick]) => text.slice(0, at % (text.length + 1)) + trick + text.slice(at % (text.length + 1)), email));

/** A signup's fields with hostile values in the ones that are free text, identifiers or campaign. */
export const hostileSignup = fc.record(
	{
		email: fc.oneof(hostileEmail, fc.constant(REAL_EMAIL)),
		phone: fc.oneof(fc.constant(undefined), hostileText.map((t) => `+1 415 555 ${t}`)),
		first_name: fc.oneof(fc.constant(undefined), hostileText),
		utm_source: fc.oneof(fc.constant(undefined), hostileText),
		utm_campaign: fc.oneof(fc.constant(undefined), hostileText),
		referrer: fc.oneof(fc.constant(undefined), hostileText.map((t) => `https://ref.example/${t}`)),
	},
	{ requiredKeys: ['email'] },
);
