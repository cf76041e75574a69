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
// and line/paragraph separators. Nobody types them; pasted or planted, they make one address look
// like another, so they are refused rather than silently dropped.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
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
	const hidden = INVISIBLE.exec(core);
	if (hidden) {
		const code = `U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
		throw new LedgerInputError(field, `contains an invisible or control character (${code}) at position ${hidden.index + 1}; type the address again instead of pasting it`);
	}
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
