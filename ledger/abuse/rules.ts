import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

import { LedgerInputError } from '../errors';
import { DISPOSABLE_DOMAINS } from './disposable-domains';

/**
 * The pure parts of abuse signals: which domains are disposable, which network and which address
 * pattern a signup belongs to, and the creator's settings. Signals flag a signup for a person to
 * review; none of them ever refuses one (a guess is not proof).
 */

/** What can flag a signup. Stored on the flag rows and shown on the review desk. */
export type AbuseSignal = 'disposable_domain' | 'network_velocity' | 'pattern_velocity' | 'captcha_failed' | 'captcha_unchecked';
export const ABUSE_SIGNALS: readonly AbuseSignal[] = ['disposable_domain', 'network_velocity', 'pattern_velocity', 'captcha_failed', 'captcha_unchecked'];

/** The signals in words, for the review desk and the history. */
export const ABUSE_SIGNAL_LABELS: Record<AbuseSignal, string> = {
	disposable_domain: 'disposable email domain',
	network_velocity: 'many signups from one network',
	pattern_velocity: 'many look-alike addresses',
	captcha_failed: 'CAPTCHA not passed',
	captcha_unchecked: 'CAPTCHA could not be checked (provider unreachable)',
};

/** What the CAPTCHA check in the capture trigger found (the vendor call is the trigger's; the verdict is the ledger's). */
export interface CaptchaOutcome {
	provider: 'turnstile' | 'hcaptcha';
	/** passed; failed: the provider said no; missing: no token sent; unavailable: the provider could not be asked. */
	outcome: 'passed' | 'failed' | 'missing' | 'unavailable';
	/** The provider's error codes or the reason it could not be asked. */
	detail?: string;
}

/** The capture trigger's "Abuse Signals" options as plain values. */
export interface AbuseOptions {
	/** Domains to treat as disposable besides the shipped list (a subdomain of one counts too). */
	extraDisposableDomains?: string[];
	/** Domains never flagged as disposable, even if the shipped list has them. */
	allowedDomains?: string[];
	/** New signups from one network (/24 for IPv4, /64 for IPv6) per window before they are flagged; 0 turns it off. */
	networkLimit?: number;
	/** New signups with one address pattern (name+1@, name2@ … on one domain) per window before they are flagged; 0 turns it off. */
	patternLimit?: number;
	/** The window, in minutes. */
	windowMinutes?: number;
	/** Keep a flagged signup's ESP/CRM sync waiting until a person clears it on the review desk. */
	holdFlaggedSync?: boolean;
	/** A failed or missing CAPTCHA: flag the signup (default) or refuse it with 400 naming captchaToken. */
	captchaFailure?: 'flag' | 'refuse';
}

export interface AbuseSettings {
	extraDisposableDomains: string[];
	allowedDomains: string[];
	networkLimit: number;
	patternLimit: number;
	windowMs: number;
	holdFlaggedSync: boolean;
	captchaFailure: 'flag' | 'refuse';
}

export const DEFAULT_ABUSE_SETTINGS: AbuseSettings = {
	extraDisposableDomains: [],
	allowedDomains: [],
	networkLimit: 10,
	patternLimit: 3,
	windowMs: 10 * 60_000,
	holdFlaggedSync: false,
	captchaFailure: 'flag',
};

function limit(value: number | undefined, field: string, fallback: number, max: number): number {
	if (value === undefined) return fallback;
	if (!Number.isInteger(value) || value < 0 || value > max) throw new LedgerInputError(field, `must be a whole number from 0 to ${max} (0 turns the check off)`);
	return value;
}

/** A domain as the list compares it: trimmed, without "@" or a trailing dot, lowercased ASCII (punycode). */
export function normalizeDomain(domain: string): string {
	const bare = domain.trim().replace(/^.*@/, '').replace(/\.$/, '');
	return domainToASCII(bare.normalize('NFKC')) || bare.toLowerCase();
}

function domainList(values: string[] | undefined, field: string): string[] {
	return (values ?? []).map((v) => v.trim()).filter(Boolean).map((v, i) => {
		const domain = normalizeDomain(v);
		if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) throw new LedgerInputError(`${field}[${i}]`, `"${v.slice(0, 80)}" is not a domain name (write it like mailinator.com)`);
		return domain;
	});
}

export function abuseSettings(options: AbuseOptions = {}): AbuseSettings {
	const windowMinutes = limit(options.windowMinutes, 'abuse.windowMinutes', 10, 24 * 60);
	if (windowMinutes === 0) throw new LedgerInputError('abuse.windowMinutes', 'must be at least 1 minute');
	const captchaFailure = options.captchaFailure ?? 'flag';
	if (captchaFailure !== 'flag' && captchaFailure !== 'refuse') throw new LedgerInputError('abuse.captchaFailure', 'must be "flag" or "refuse"');
	return {
		extraDisposableDomains: domainList(options.extraDisposableDomains, 'abuse.extraDisposableDomains'),
		allowedDomains: domainList(options.allowedDomains, 'abuse.allowedDomains'),
		networkLimit: limit(options.networkLimit, 'abuse.networkLimit', DEFAULT_ABUSE_SETTINGS.networkLimit, 100_000),
		patternLimit: limit(options.patternLimit, 'abuse.patternLimit', DEFAULT_ABUSE_SETTINGS.patternLimit, 100_000),
		windowMs: windowMinutes * 60_000,
		holdFlaggedSync: options.holdFlaggedSync ?? false,
		captchaFailure,
	};
}

const SHIPPED = new Set(DISPOSABLE_DOMAINS);

/** The domain and each parent of it, longest first: mail.x.mailinator.com → …, mailinator.com, com. */
function domainAndParents(domain: string): string[] {
	const labels = domain.split('.');
	return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The listed disposable domain this email domain falls under (itself or a parent), or null. An allowed
 * domain (or a parent of it) wins over both lists.
 */
export function disposableDomainOf(emailDomain: string, settings: Pick<AbuseSettings, 'extraDisposableDomains' | 'allowedDomains'>): string | null {
	const candidates = domainAndParents(normalizeDomain(emailDomain));
	if (candidates.some((d) => settings.allowedDomains.includes(d))) return null;
	return candidates.find((d) => SHIPPED.has(d) || settings.extraDisposableDomains.includes(d)) ?? null;
}

/**
 * The pattern an address belongs to: the local part without a "+tag", without trailing digits and
 * separators, and without dots, dashes and underscores, at its domain. ada+1@x.com, ada2@x.com and
 * a.d.a_77@x.com are all "ada@x.com". Takes a normalized email (lowercased, ASCII domain). A local
 * part that leaves fewer than 2 letters has no pattern (null): "a1@" and "77@" say nothing.
 */
export function emailPatternKey(normalizedEmail: string): string | null {
	const at = normalizedEmail.lastIndexOf('@');
	if (at <= 0) return null;
	const domain = normalizedEmail.slice(at + 1);
	const skeleton = normalizedEmail.slice(0, at).replace(/\+.*$/, '').replace(/[\d._-]+$/, '').replace(/[._-]/g, '');
	return skeleton.length >= 2 ? `${skeleton}@${domain}` : null;
}

/** An IPv6 address as its eight 16-bit groups, or null. */
function ipv6Groups(address: string): number[] | null {
	let text = address;
	const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4Tail) {
		const [a, b, c, d] = v4Tail[1]!.split('.').map(Number) as [number, number, number, number];
		text = `${text.slice(0, v4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
	const headGroups = head ? head.split(':') : [];
	const tailGroups = tail ? tail.split(':') : [];
	const missing = 8 - headGroups.length - tailGroups.length;
	if (missing < 0 || (tail === null && missing !== 0)) return null;
	return [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups].map((g) => parseInt(g, 16));
}

/**
 * Loopback, private, link-local and carrier-grade NAT addresses: a signup "from" one of these came
 * through a proxy n8n was not told about (N8N_PROXY_HOPS) or a shared NAT, so every visitor would share
 * it and all of them would be flagged. They are not counted.
 */
function sharedIPv4(address: string): boolean {
	const [a, b] = address.split('.').map(Number) as [number, number];
	return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a === 0;
}

function sharedIPv6(groups: number[]): boolean {
	const first = groups[0]!;
	const loopbackOrUnspecified = groups.slice(0, 7).every((g) => g === 0) && groups[7]! <= 1;
	return loopbackOrUnspecified || (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/**
 * The network a signup came from: the /24 of an IPv4 address, the /64 of an IPv6 one (an
 * IPv4-mapped IPv6 address is its IPv4). Null when there is no usable address, or a shared one (above).
 */
export function networkOf(remoteAddress: string | null | undefined): string | null {
	if (!remoteAddress) return null;
	const address = remoteAddress.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	const v4 = mapped ? mapped[1]! : address;
	if (isIPv4(v4)) return sharedIPv4(v4) ? null : `${v4.split('.').slice(0, 3).join('.')}.0/24`;
	if (!isIPv6(address)) return null;
	const groups = ipv6Groups(address.toLowerCase());
	if (!groups || sharedIPv6(groups)) return null;
	return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/**
 * A network or pattern as it is stored: an HMAC with the launch's secret, so the ledger can count
 * signups per network without keeping anyone's address, and the keys mean nothing outside it.
 */
export function abuseKeyHash(secret: string, signal: AbuseSignal, key: string): string {
	return createHmac('sha256', secret || 'waitlist-ledger').update(`${signal}\u0000${key}`).digest('hex').slice(0, 32);
}
