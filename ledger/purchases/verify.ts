import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signature checks over the raw body, exactly as each provider signs it. Every comparison is
 * timing-safe; a parsed JSON body is never re-serialized for checking (whitespace and key order
 * would differ from what was signed).
 */
export type PaymentProvider = 'stripe' | 'lemonsqueezy' | 'paddle' | 'shopify' | 'gumroad' | 'generic';
export const PAYMENT_PROVIDERS: readonly PaymentProvider[] = ['stripe', 'lemonsqueezy', 'paddle', 'shopify', 'gumroad', 'generic'];

/**
 * Why a delivery was refused. `not_configured` is never the sender's fault: the receiver had no secret
 * to check with (set by the receiver when it records such a delivery, never by verifyWebhook).
 */
export type VerifyFailureReason = 'missing_header' | 'bad_signature' | 'stale_timestamp' | 'malformed_header' | 'not_configured';

export type VerifyResult =
	| {
			ok: true;
			/**
			 * Gumroad pings are unsigned: the URL secret only shows the caller knows the URL. A grant must
			 * wait for the sale to be confirmed through Gumroad's API.
			 */
			needsConfirmation: boolean;
	  }
	| { ok: false; reason: VerifyFailureReason };

export type HmacAlgorithm = 'sha256' | 'sha1' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

export interface GenericHmacOptions {
	/** Header that carries the signature, e.g. "X-Signature". */
	header: string;
	algorithm: HmacAlgorithm;
	encoding: SignatureEncoding;
	/** Text before the signature in the header, e.g. "sha256=". */
	prefix?: string;
	/** What is signed: the raw body, or `${timestamp}.${body}` with the timestamp from `timestampHeader`. */
	signed: 'body' | 'timestamp.body';
	timestampHeader?: string;
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface VerifyInput {
	provider: PaymentProvider;
	/** The signing secret (Gumroad: the secret expected in the URL). */
	secret: string;
	rawBody: string | Buffer;
	headers: HeaderBag;
	/** Gumroad: the secret found in the webhook URL's query. */
	urlSecret?: string;
	generic?: GenericHmacOptions;
	/** How far a signed timestamp may be from now; 300 s by default (Stripe's documented tolerance). */
	toleranceSeconds?: number;
	/** Epoch ms; Date.now() by default. */
	now?: number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

const fail = (reason: VerifyFailureReason): VerifyResult => ({ ok: false, reason });
const OK: VerifyResult = { ok: true, needsConfirmation: false };

/** Case-insensitive header lookup; the first value when a header was repeated. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== wanted) continue;
		const v = Array.isArray(value) ? value[0] : value;
		if (v !== undefined && v.trim() !== '') return v.trim();
	}
	return undefined;
}

function hmac(algorithm: HmacAlgorithm, secret: string, parts: (string | Buffer)[]): Buffer {
	const mac = createHmac(algorithm, secret);
	for (const part of parts) mac.update(part);
	return mac.digest();
}

/** Timing-safe equality of two texts of any length: both are hashed first, so lengths leak nothing. */
export function safeEqualText(a: string, b: string): boolean {
	const ha = createHash('sha256').update(a).digest();
	const hb = createHash('sha256').update(b).digest();
	return timingSafeEqual(ha, hb);
}

/** Whether `given` (hex or base64 text) encodes exactly `expected`. */
function signatureMatches(expected: Buffer, given: string, encoding: SignatureEncoding): boolean {
	const expectedText = expected.toString(encoding);
	const normalized = encoding === 'hex' ? given.trim().toLowerCase() : given.trim();
	return safeEqualText(expectedText, normalized);
}

function fresh(timestampSeconds: number, nowMs: number, toleranceSeconds: number): boolean {
	return Math.abs(nowMs / 1000 - timestampSeconds) <= toleranceSeconds;
}

/** Parses "k=v<sep>k=v" into a list of pairs (keys may repeat, e.g. several v1 signatures). */
function parsePairs(header: string, separator: string): [string, string][] | null {
	const pairs: [string, string][] = [];
	for (const part of header.split(separator)) {
		const eq = part.indexOf('=');
		if (eq <= 0) return null;
		pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
	}
	return pairs;
}

function parseSeconds(text: string | undefined): number | null {
	if (text === undefined || !/^\d{1,13}$/.test(text)) return null;
	const n = Number(text);
	// Some senders put milliseconds in their timestamp header.
	return n > 1e11 ? Math.floor(n / 1000) : n;
}

function verifyTimestamped(
	input: VerifyInput,
	headerName: string,
	separator: string,
	timestampKey: string,
	signatureKey: string,
	join: string,
): VerifyResult {
	const header = headerValue(input.headers, headerName);
	if (!header) return fail('missing_header');
	const pairs = parsePairs(header, separator);
	if (!pairs) return fail('malformed_header');
	const timestampText = pairs.find(([k]) => k === timestampKey)?.[1];
	const signatures = pairs.filter(([k]) => k === signatureKey).map(([, v]) => v);
	const timestamp = parseSeconds(timestampText);
	if (timestamp === null || signatures.length === 0) return fail('malformed_header');
	const expected = hmac('sha256', input.secret, [`${timestampText}${join}`, input.rawBody]);
	// Several signatures are allowed (secret rotation); any one may match. Check all, so the time
	// taken does not say which one matched.
	let matched = false;
	for (const signature of signatures) if (signatureMatches(expected, signature, 'hex')) matched = true;
	if (!matched) return fail('bad_signature');
	if (!fresh(timestamp, input.now ?? Date.now(), input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return fail('stale_timestamp');
	return OK;
}

function verifyPlain(input: VerifyInput, headerName: string, algorithm: HmacAlgorithm, encoding: SignatureEncoding, prefix = ''): VerifyResult {
	const header = headerValue(input.headers, headerName);
	if (!header) return fail('missing_header');
	if (prefix && !header.startsWith(prefix)) return fail('malformed_header');
	const expected = hmac(algorithm, input.secret, [input.rawBody]);
	return signatureMatches(expected, header.slice(prefix.length), encoding) ? OK : fail('bad_signature');
}

function verifyGeneric(input: VerifyInput): VerifyResult {
	const options = input.generic;
	if (!options) throw new Error('generic verification needs its options (header, algorithm, encoding, what is signed)');
	if (options.signed === 'body') return verifyPlain(input, options.header, options.algorithm, options.encoding, options.prefix ?? '');
	const header = headerValue(input.headers, options.header);
	const timestampText = options.timestampHeader ? headerValue(input.headers, options.timestampHeader) : undefined;
	if (!header || !timestampText) return fail('missing_header');
	const prefix = options.prefix ?? '';
	if (prefix && !header.startsWith(prefix)) return fail('malformed_header');
	const timestamp = parseSeconds(timestampText);
	if (timestamp === null) return fail('malformed_header');
	const expected = hmac(options.algorithm, input.secret, [`${timestampText}.`, input.rawBody]);
	if (!signatureMatches(expected, header.slice(prefix.length), options.encoding)) return fail('bad_signature');
	if (!fresh(timestamp, input.now ?? Date.now(), input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return fail('stale_timestamp');
	return OK;
}

/** Checks one delivery. Never throws for what a sender controls; only for a missing configuration. */
export function verifyWebhook(input: VerifyInput): VerifyResult {
	if (typeof input.secret !== 'string' || input.secret === '') throw new Error(`a signing secret is required to verify ${input.provider} webhooks`);
	switch (input.provider) {
		case 'stripe':
			return verifyTimestamped(input, 'Stripe-Signature', ',', 't', 'v1', '.');
		case 'paddle':
			return verifyTimestamped(input, 'Paddle-Signature', ';', 'ts', 'h1', ':');
		case 'lemonsqueezy':
			return verifyPlain(input, 'X-Signature', 'sha256', 'hex');
		case 'shopify':
			return verifyPlain(input, 'X-Shopify-Hmac-Sha256', 'sha256', 'base64');
		case 'generic':
			return verifyGeneric(input);
		case 'gumroad':
			if (input.urlSecret === undefined || input.urlSecret === '') return fail('missing_header');
			return safeEqualText(input.secret, input.urlSecret) ? { ok: true, needsConfirmation: true } : fail('bad_signature');
	}
}

/** Headers worth keeping with an inbox entry (signatures, ids, topics); never cookies or auth. */
export const KEPT_HEADERS = [
	'content-type',
	'user-agent',
	'stripe-signature',
	'paddle-signature',
	'x-signature',
	'x-event-name',
	'x-shopify-hmac-sha256',
	'x-shopify-topic',
	'x-shopify-webhook-id',
	'x-shopify-shop-domain',
];

export function keptHeaders(headers: HeaderBag, extra: readonly string[] = []): Record<string, string> {
	const out: Record<string, string> = {};
	for (const name of [...KEPT_HEADERS, ...extra.map((h) => h.toLowerCase())]) {
		const v = headerValue(headers, name);
		if (v !== undefined) out[name] = v.slice(0, 2000);
	}
	return out;
}
