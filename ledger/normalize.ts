import { domainToASCII } from 'node:url';

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

import { LedgerInputError } from './errors';

/**
 * Pure normalization of identifiers and tags. Every function here is idempotent: feeding its output
 * back in gives the same output (property-tested in test/unit/normalize.property.test.ts).
 */

// Deliberately permissive (RFC 5322 allows far more than most validators accept); it rejects what
// is certainly not an address: no @, spaces, no dot in the domain.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NormalizedIdentifier {
	kind: string;
	/** The matching key, unique per launch and kind. */
	value: string;
	/** As typed (trimmed), kept for display. */
	display: string;
	/**
	 * Phones only: the number has a possible length for its country but lies in a range libphonenumber's
	 * metadata does not list (a new or reserved range, or a made-up number). Accepted — a refused real
	 * person is a lost signup — and the contact is tagged (PHONE_UNRECOGNIZED_TAG).
	 */
	unrecognizedRange?: true;
}

export interface NormalizedEmail {
	/**
	 * The matching key: NFKC, the local part lowercased, the domain in its ASCII (punycode) form
	 * without a trailing dot (and Gmail-folded when opted in).
	 */
	value: string;
	/** The address as typed (trimmed, NFKC, without the domain's trailing dot), kept for display. */
	display: string;
}

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

// Control (Cc: NUL, BEL …) and format (Cf: zero-width, soft hyphen, BOM, bidi controls) characters,
// line/paragraph separators, half of a character (Cs: an unpaired surrogate, which each driver
// stores as U+FFFD, so two different ones would be one key) and U+FFFD itself (what a garbled byte
// became on the way). Nobody types them; pasted or planted,
// they make one identifier look like another, so they are refused rather than silently dropped.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029\uFFFD]/u;

/** "U+200B" for the first code point of `char`. */
const codePointName = (char: string): string => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Refuses an identifier (email, phone, customer id) holding an invisible, control or half character,
 * naming the field, the character and where it is.
 */
function refuseInvisible(field: string, value: string, retype: string): void {
	const hidden = INVISIBLE.exec(value);
	if (!hidden) return;
	throw new LedgerInputError(field, `contains an invisible or control character (${codePointName(hidden[0])}) at position ${hidden.index + 1}; ${retype}`);
}

// In free text (a name, a campaign) tabs and line breaks can be typed; the other controls and half
// characters cannot. PostgreSQL cannot read NUL out of JSON text (the launch monitor's signals failed
// on one utm_source holding it) nor hold it in a text column at all.
const UNTYPEABLE = /(?![\t\n\r])[\p{Cc}\p{Cs}]/u;
const UNTYPEABLE_ALL = new RegExp(UNTYPEABLE.source, 'gu');

/**
 * Why a typed value (a profile field, a tag) cannot be kept as typed, or null: a control character
 * or half a character names itself and where it is.
 */
export function untypeableCharacter(value: string): string | null {
	const found = UNTYPEABLE.exec(value);
	return found ? `contains a control character or half a character (${codePointName(found[0])}) at position ${found.index + 1}; type it again instead of pasting it` : null;
}

/**
 * A value the page carried rather than the person typed (a campaign parameter, the referrer): each
 * control or half character becomes U+FFFD, so the signup is kept — the visitor could not retype it.
 */
export function replaceUntypeable(value: string): string {
	return value.replace(UNTYPEABLE_ALL, '\uFFFD');
}
// Only ordinary spacing is trimmed: String.prototype.trim would also eat a leading BOM.
const EDGE_SPACE = /^[\t\n\v\f\r\p{Zs}]+|[\t\n\v\f\r\p{Zs}]+$/gu;

/** Lowercase, then NFKC, until stable (lowercasing can undo a normal form, e.g. U+0130). */
function foldLocalPart(local: string): string {
	let folded = local;
	for (let i = 0; i < 4; i++) {
		const next = folded.toLowerCase().normalize('NFKC');
		if (next === folded) break;
		folded = next;
	}
	return folded;
}

export function normalizeEmail(input: unknown, field = 'email', options: { gmail?: boolean } = {}): NormalizedEmail {
	if (typeof input !== 'string' || input.trim() === '') {
		throw new LedgerInputError(field, 'is required, e.g. "ada@example.com"');
	}
	const core = input.replace(EDGE_SPACE, '');
	refuseInvisible(field, core, 'type the address again instead of pasting it');
	// NFKC folds fullwidth and other compatibility forms ("ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ") into the plain letters.
	let display = core.normalize('NFKC');
	const invalid = () => new LedgerInputError(field, `"${display.slice(0, 80)}" is not a valid email address`);
	if (display.length > 255 || !EMAIL_SHAPE.test(display)) throw invalid();
	const at = display.lastIndexOf('@');
	// One trailing dot is the DNS root ("example.com." is example.com); it is not part of the address.
	display = display.replace(/\.$/, '');
	// IDN and punycode spell one domain two ways; the key holds the ASCII form (lowercased by it).
	const domain = domainToASCII(display.slice(at + 1));
	if (domain === '' || /^\.|\.\.|\.$/.test(domain)) {
		throw new LedgerInputError(field, `"${display.slice(0, 80)}" is not a valid email address: "${display.slice(at + 1, at + 81)}" is not a domain name`);
	}
	let value = `${foldLocalPart(display.slice(0, at))}@${domain}`;
	if (display.length > 254 || value.length > 254 || !EMAIL_SHAPE.test(display) || !EMAIL_SHAPE.test(value)) throw invalid();
	if (options.gmail) {
		if (GMAIL_DOMAINS.has(domain)) {
			const local = value.slice(0, value.lastIndexOf('@')).split('+')[0]!.replace(/\./g, '');
			// An address that is only dots/+tag has no mailbox left; keep it as typed rather than invent one.
			if (local !== '') value = `${local}@gmail.com`;
		}
	}
	return { value, display };
}

const COUNTRY = /^[A-Z]{2}$/;

/** E.164 (+14155552671). Numbers without a + are read in `defaultCountry`. */
export function normalizePhone(input: unknown, defaultCountry = 'US', field = 'phone'): NormalizedIdentifier {
	if (typeof input !== 'string' && typeof input !== 'number') {
		throw new LedgerInputError(field, 'is required, e.g. "+1 415 555 2671"');
	}
	const display = String(input).normalize('NFKC').trim();
	if (display === '') throw new LedgerInputError(field, 'is required, e.g. "+1 415 555 2671"');
	// libphonenumber reads past anything that is not a digit; what is kept for display must be what was typed.
	refuseInvisible(field, display, 'type the number again instead of pasting it');
	const country = defaultCountry.toUpperCase();
	const parsed = parsePhoneNumberFromString(display, COUNTRY.test(country) ? (country as CountryCode) : undefined);
	if (parsed && !parsed.isValid() && parsed.isPossible()) return { kind: 'phone', value: parsed.number, display, unrecognizedRange: true };
	if (!parsed || !parsed.isValid()) {
		throw new LedgerInputError(
			field,
			`"${display.slice(0, 40)}" is not a valid phone number (numbers without +country code are read as ${country}); write it like "+44 20 7946 0958"`,
		);
	}
	return { kind: 'phone', value: parsed.number, display };
}

/** Customer ids and external record ids: trimmed, NFC, case kept (vendors' ids are case-sensitive). */
function normalizeOpaqueId(kind: string, input: unknown, field: string): NormalizedIdentifier {
	if ((typeof input !== 'string' && typeof input !== 'number') || String(input).trim() === '') {
		throw new LedgerInputError(field, `is required for a ${kind} identifier`);
	}
	const value = String(input).normalize('NFC').trim();
	refuseInvisible(field, value, 'copy the ID from the system that made it');
	if (value.length > 200) throw new LedgerInputError(field, `is ${value.length} characters long; at most 200 are allowed`);
	return { kind, value, display: value };
}

const EXT_KIND = /^ext:[a-z0-9][a-z0-9_.-]{0,39}$/;
export const FIXED_IDENTIFIER_KINDS = ['email', 'phone', 'customer_id', 'purchase_token'] as const;

export function normalizeIdentifierKind(kind: unknown, field = 'kind'): string {
	const k = typeof kind === 'string' ? kind.trim().toLowerCase() : '';
	if ((FIXED_IDENTIFIER_KINDS as readonly string[]).includes(k) || EXT_KIND.test(k)) return k;
	throw new LedgerInputError(
		field,
		`${JSON.stringify(kind)} is not an identifier kind; use email, phone, customer_id, purchase_token or ext:<system> (e.g. ext:mailchimp)`,
	);
}

export function normalizeIdentifier(
	kind: string,
	input: unknown,
	options: { defaultCountry?: string; gmail?: boolean; field?: string } = {},
): NormalizedIdentifier {
	const k = normalizeIdentifierKind(kind);
	const field = options.field ?? k;
	if (k === 'email') return { kind: k, ...normalizeEmail(input, field, { gmail: options.gmail }) };
	if (k === 'phone') return normalizePhone(input, options.defaultCountry, field);
	return normalizeOpaqueId(k, input, field);
}

/**
 * A tag's matching key: NFC, lowercase, runs of spaces/underscores/hyphens become one hyphen, and a
 * parenthesized suffix is kept but glued on ("Early Bird (ad)" → "early-bird(ad)"), so it only
 * matches when the registry declares it (or declares "(*)" for any suffix).
 */
export function normalizeTagKey(input: string): string {
	let key = input.normalize('NFC').toLowerCase().normalize('NFC');
	key = key.replace(/\s*\(\s*([^()]*?)\s*\)\s*$/, (_m, inner: string) => `(${inner.replace(/[\s_-]+/g, '-')})`);
	// Global: every hyphen run before a "(" and at the end goes, or a second pass would find more.
	key = key.replace(/[\s_-]+/g, '-').replace(/^-+/, '').replace(/-+(?=\(|$)/g, '');
	return key;
}

/** The key without its parenthesized suffix, or null when it has none. */
export function tagKeyBase(key: string): string | null {
	const m = /^(.*)\([^()]*\)$/.exec(key);
	return m && m[1] !== '' ? m[1]! : null;
}
