import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

import { ATTRIBUTION_KEYS, type AttributionKey } from '../attribution';
import { LedgerInputError } from '../errors';
import { normalizeEmail, normalizePhone, replaceUntypeable, untypeableCharacter } from '../normalize';
import { REFERRAL_PARAMETER } from '../referrals/codes';
import type { CapturePolicy } from './policy';

export interface FieldError {
	field: string;
	reason: string;
}

export type SignupVerdict =
	| { ok: true; signup: ValidSignup }
	| { ok: false; status: 400 | 422; reason: 'invalid' | 'paid_without_source' | 'honeypot' | 'too_fast' | 'consent_required'; errors: FieldError[] };

export interface ValidSignup {
	email?: string;
	phone?: string;
	fields: Record<string, string>;
	attribution: Partial<Record<AttributionKey, string>>;
	consentGiven: boolean;
	/** When the visitor was shown the form (epoch ms), if the form told us. */
	shownAt?: number;
	/** The hosted form's signed `wl_ts`, which may be used by one signup only (capture/stamps.ts). */
	formStamp?: string;
	/** The referral code the visitor arrived with (`ref`, from the landing URL's `?ref=`), as sent. */
	referralCode?: string;
}

const TIMESTAMP_FIELD = 'wl_ts';

/** A hosted form shown longer ago than this must be reloaded (and its used stamps can be dropped). */
export const FORM_STAMP_MAX_AGE_MS = 24 * 60 * 60_000;

/** What a value is, in words, for "must be text, not …". */
function kindOf(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	if (value === null) return 'null';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'boolean') return 'true / false';
	return typeof value;
}

const text = (max: number) =>
	z
		.unknown()
		.superRefine((v, ctx) => {
			if (typeof v !== 'string' && typeof v !== 'number') ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be text, not ${kindOf(v)}` });
		})
		.transform((v) => String(v).trim())
		.pipe(z.string().max(max, `must be at most ${max} characters`));

/** The shape of a signup as it arrives (JSON, form fields); values are checked for meaning below. */
const signupShape = z
	.object({
		email: text(254).optional(),
		phone: text(40).optional(),
		attribution: z.record(z.string(), z.unknown()).optional(),
	})
	.passthrough();

function isTruthyFlag(value: unknown): boolean {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'number') return value !== 0;
	if (typeof value === 'string') return ['on', 'true', 'yes', '1', 'checked'].includes(value.trim().toLowerCase());
	return false;
}

function formSignature(at: number, nonce: string | undefined, secret: string): string {
	// The two-part form (no nonce) is what forms rendered before the nonce was added carry.
	return createHmac('sha256', secret).update(nonce === undefined ? `wl_ts:${at}` : `wl_ts:${at}:${nonce}`).digest('hex').slice(0, 32);
}

/**
 * `<ms>.<nonce>.<hmac>`: the hosted form's "shown at" time, signed so a bot cannot back-date it; the
 * nonce keeps two forms shown in the same millisecond apart, since each stamp may be used once.
 */
export function signFormTimestamp(at: number, secret: string, nonce = randomBytes(6).toString('base64url')): string {
	return `${at}.${nonce}.${formSignature(at, nonce, secret)}`;
}

type ShownAt = { ms: number; signed: boolean } | 'forged' | undefined;

/** 'forged' when the hosted form's signature does not match (a bot back-dating the form). */
function readShownAt(value: unknown, secret: string): ShownAt {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const parts = String(value).split('.');
	const ms = Number(parts[0]);
	if (!parts[0] || !Number.isFinite(ms) || parts.length > 3) return 'forged';
	if (parts.length === 1) return { ms, signed: false }; // the landing-page snippet stamps time without a secret
	const signature = parts[parts.length - 1]!;
	const expected = formSignature(ms, parts.length === 3 ? parts[1] : undefined, secret);
	const a = Buffer.from(signature);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b) ? { ms, signed: true } : 'forged';
}

/** The referral code as sent, trimmed; a broken one still reaches the ledger, which records it as unknown. */
function referralCodeOf(value: unknown): string | undefined {
	if (Array.isArray(value)) return referralCodeOf(value[0]);
	// Carried by the page (the link's ?ref=), not typed: a control character is replaced, never refused.
	return typeof value === 'string' && value.trim() !== '' ? replaceUntypeable(value.trim().slice(0, 64)) : undefined;
}

/** A honeypot counts as filled by any value a person's browser would not send: blank text, null and empty lists / objects do not count. */
function isFilled(value: unknown): boolean {
	if (value === undefined || value === null) return false;
	if (typeof value === 'string') return value.trim() !== '';
	if (Array.isArray(value)) return value.some(isFilled);
	if (typeof value === 'object') return Object.keys(value).length > 0;
	return true;
}

type Refusal = Extract<SignupVerdict, { ok: false }>;

const tooFast = (reason: string): Refusal => ({ ok: false, status: 400, reason: 'too_fast', errors: [{ field: TIMESTAMP_FIELD, reason }] });

/**
 * A bot's signup: the honeypot is filled, or the form came back faster than a person fills it in.
 * A hosted-form post must carry the form's signed time (the snippet's unsigned one is only a hint).
 */
function refusedAsBot(body: Record<string, unknown>, policy: CapturePolicy, shownAt: ShownAt, now: number, hostedForm: boolean): Refusal | null {
	if (policy.honeypotField && isFilled(body[policy.honeypotField])) {
		return { ok: false, status: 400, reason: 'honeypot', errors: [{ field: policy.honeypotField, reason: 'must be left empty (it is hidden from people; bots fill it in)' }] };
	}
	if (policy.minSubmitMs <= 0) return null;
	if (shownAt === 'forged') return tooFast('is not a time this form was shown at; reload the form and send it again');
	if (hostedForm && !shownAt?.signed) return tooFast('is missing or not signed: the hosted form carries the signed time it was shown at; reload the form and send it again');
	if (!shownAt) return null;
	if (now - shownAt.ms < policy.minSubmitMs) return tooFast(`the form was sent ${Math.max(0, now - shownAt.ms)} ms after it was shown; wait a moment and send it again`);
	if (shownAt.signed && now - shownAt.ms > FORM_STAMP_MAX_AGE_MS) return tooFast('the form was shown more than 24 hours ago; reload the form and send it again');
	return null;
}

/** Email and phone must read as such; the launch's canonical key must be there. */
function identifierErrors(email: string | undefined, phone: string | undefined, options: { canonicalKey?: string; defaultCountry?: string }): FieldError[] {
	const errors: FieldError[] = [];
	const canonicalKey = options.canonicalKey ?? 'email';
	if (email) {
		try {
			normalizeEmail(email);
		} catch (error) {
			errors.push({ field: 'email', reason: error instanceof LedgerInputError ? error.reason : 'is not a valid email address' });
		}
	} else if (canonicalKey === 'email') {
		errors.push({ field: 'email', reason: 'is required, e.g. "ada@example.com"' });
	}
	if (phone) {
		try {
			normalizePhone(phone, options.defaultCountry ?? 'US');
		} catch (error) {
			errors.push({ field: 'phone', reason: error instanceof LedgerInputError ? error.reason : 'is not a valid phone number' });
		}
	} else if (canonicalKey === 'phone') {
		errors.push({ field: 'phone', reason: 'is required, e.g. "+44 20 7946 0958"' });
	}
	return errors;
}

/**
 * Attribution from top-level hidden fields (utm_source …) or an `attribution` object; paid traffic
 * must name its source. Problems are appended to `errors`.
 */
function readAttribution(body: Record<string, unknown>, nested: Record<string, unknown> | undefined, policy: CapturePolicy, errors: FieldError[]): ValidSignup['attribution'] {
	const attribution: ValidSignup['attribution'] = {};
	for (const source of [body, nested ?? {}]) {
		for (const key of ATTRIBUTION_KEYS) {
			const value = source[key];
			if (value === undefined || value === null) continue;
			if (typeof value !== 'string' && typeof value !== 'number') {
				errors.push({ field: key, reason: `must be text, not ${kindOf(value)}` });
				continue;
			}
			const trimmed = replaceUntypeable(String(value).trim());
			if (trimmed.length > 2000) errors.push({ field: key, reason: `must be at most 2000 characters (this one has ${trimmed.length})` });
			else if (trimmed) attribution[key] = trimmed;
		}
	}
	// A cross-field rule: only once utm_source itself is well formed (a malformed one is named as such above).
	const medium = attribution.utm_medium?.toLowerCase();
	const sourceMalformed = errors.some((e) => e.field === 'utm_source');
	if (policy.requireSourceForPaid && medium && !sourceMalformed && policy.paidMediums.map((m) => m.toLowerCase()).includes(medium) && !attribution.utm_source) {
		errors.push({
			field: 'utm_source',
			reason: `is required when utm_medium is "${attribution.utm_medium}" (paid traffic must say where it came from, e.g. utm_source=facebook)`,
		});
	}
	return attribution;
}

/** The one error that means "paid traffic without a source" rather than a malformed field. */
const isPaidWithoutSource = (e: FieldError) => e.field === 'utm_source' && e.reason.startsWith('is required when utm_medium');

/** The policy's profile fields, as text; problems are appended to `errors`. */
function readProfileFields(body: Record<string, unknown>, policy: CapturePolicy, errors: FieldError[]): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const key of policy.profileFields) {
		const value = body[key];
		if (value === undefined || value === null || value === '') continue;
		if (typeof value !== 'string' && typeof value !== 'number') {
			errors.push({ field: key, reason: `must be text, not ${kindOf(value)}` });
			continue;
		}
		const trimmed = String(value).trim();
		const untypeable = untypeableCharacter(trimmed);
		if (untypeable) errors.push({ field: key, reason: untypeable });
		else if (trimmed.length > 200) errors.push({ field: key, reason: `must be at most 200 characters (this one has ${trimmed.length})` });
		else if (trimmed) fields[key] = trimmed;
	}
	return fields;
}

/**
 * Checks a signup as received. Collects every field error at once so a form can show them all.
 * `defaultCountry` reads phone numbers typed without a country code.
 */
export function validateSignup(
	raw: unknown,
	policy: CapturePolicy,
	options: { now?: number; canonicalKey?: 'email' | 'phone' | 'customer_id'; defaultCountry?: string; hostedForm?: boolean } = {},
): SignupVerdict {
	const now = options.now ?? Date.now();
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { ok: false, status: 400, reason: 'invalid', errors: [{ field: 'body', reason: 'must be an object of signup fields, e.g. {"email": "ada@example.com"}' }] };
	}
	const body = raw as Record<string, unknown>;
	const shownAt = readShownAt(body[TIMESTAMP_FIELD], policy.secret);
	const bot = refusedAsBot(body, policy, shownAt, now, options.hostedForm ?? false);
	if (bot) return bot;

	const parsed = signupShape.safeParse(body);
	if (!parsed.success) {
		const errors = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', reason: issue.message }));
		return { ok: false, status: 422, reason: 'invalid', errors };
	}
	const email = parsed.data.email || undefined;
	const phone = parsed.data.phone || undefined;
	const errors = identifierErrors(email, phone, options);
	const attribution = readAttribution(body, parsed.data.attribution as Record<string, unknown> | undefined, policy, errors);
	const fields = readProfileFields(body, policy, errors);
	if (errors.length > 0) {
		const paidOnly = errors.every(isPaidWithoutSource);
		return { ok: false, status: 422, reason: paidOnly ? 'paid_without_source' : 'invalid', errors };
	}
	const consentGiven = isTruthyFlag(body[policy.consentField]);
	if (policy.requireConsent && !consentGiven) {
		return { ok: false, status: 422, reason: 'consent_required', errors: [{ field: 'consent', reason: 'must be ticked to join the waitlist' }] };
	}
	return {
		ok: true,
		signup: {
			email,
			phone,
			fields,
			attribution,
			consentGiven,
			shownAt: typeof shownAt === 'object' ? shownAt.ms : undefined,
			// Used once when the timing check is on; the capture's transaction records it (capture/stamps.ts).
			formStamp: typeof shownAt === 'object' && shownAt.signed && policy.minSubmitMs > 0 ? String(body[TIMESTAMP_FIELD]) : undefined,
			// A broken code never refuses a signup: the referral is recorded as unknown, the person joins.
			referralCode: referralCodeOf(body[REFERRAL_PARAMETER]),
		},
	};
}
