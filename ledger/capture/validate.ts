import { createHmac, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

import { ATTRIBUTION_KEYS, type AttributionKey } from '../attribution';
import { LedgerInputError } from '../errors';
import { normalizeEmail, normalizePhone } from '../normalize';
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
}

const TIMESTAMP_FIELD = 'wl_ts';

const text = (max: number) =>
	z
		.union([z.string(), z.number()])
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

/** `<ms>.<hmac>`: the hosted form's "shown at" time, signed so a bot cannot back-date it. */
export function signFormTimestamp(at: number, secret: string): string {
	return `${at}.${createHmac('sha256', secret).update(`wl_ts:${at}`).digest('hex').slice(0, 32)}`;
}

/** 'forged' when the hosted form's signature does not match (a bot back-dating the form). */
function readShownAt(value: unknown, secret: string): number | 'forged' | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const [msText, signature] = String(value).split('.');
	const ms = Number(msText);
	if (!Number.isFinite(ms)) return 'forged';
	if (signature === undefined) return ms; // the landing-page snippet stamps time without a secret
	const expected = signFormTimestamp(ms, secret).split('.')[1]!;
	const a = Buffer.from(signature);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b) ? ms : 'forged';
}

type Refusal = Extract<SignupVerdict, { ok: false }>;

/** A bot's signup: the honeypot is filled, or the form came back faster than a person fills it in. */
function refusedAsBot(body: Record<string, unknown>, policy: CapturePolicy, shownAt: number | 'forged' | undefined, now: number): Refusal | null {
	if (policy.honeypotField && typeof body[policy.honeypotField] === 'string' && (body[policy.honeypotField] as string).trim() !== '') {
		return { ok: false, status: 400, reason: 'honeypot', errors: [{ field: policy.honeypotField, reason: 'must be left empty (it is hidden from people; bots fill it in)' }] };
	}
	if (policy.minSubmitMs > 0 && shownAt === 'forged') {
		return { ok: false, status: 400, reason: 'too_fast', errors: [{ field: TIMESTAMP_FIELD, reason: 'is not a time this form was shown at; reload the form and send it again' }] };
	}
	if (policy.minSubmitMs > 0 && typeof shownAt === 'number' && now - shownAt < policy.minSubmitMs) {
		return {
			ok: false,
			status: 400,
			reason: 'too_fast',
			errors: [{ field: TIMESTAMP_FIELD, reason: `the form was sent ${Math.max(0, now - shownAt)} ms after it was shown; wait a moment and send it again` }],
		};
	}
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
				errors.push({ field: key, reason: 'must be text' });
				continue;
			}
			const trimmed = String(value).trim();
			if (trimmed.length > 2000) errors.push({ field: key, reason: 'must be at most 2000 characters' });
			else if (trimmed) attribution[key] = trimmed;
		}
	}
	const medium = attribution.utm_medium?.toLowerCase();
	if (policy.requireSourceForPaid && medium && policy.paidMediums.map((m) => m.toLowerCase()).includes(medium) && !attribution.utm_source) {
		errors.push({
			field: 'utm_source',
			reason: `is required when utm_medium is "${attribution.utm_medium}" (paid traffic must say where it came from, e.g. utm_source=facebook)`,
		});
	}
	return attribution;
}

/** The policy's profile fields, as text; problems are appended to `errors`. */
function readProfileFields(body: Record<string, unknown>, policy: CapturePolicy, errors: FieldError[]): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const key of policy.profileFields) {
		const value = body[key];
		if (value === undefined || value === null || value === '') continue;
		if (typeof value !== 'string' && typeof value !== 'number') {
			errors.push({ field: key, reason: 'must be text' });
			continue;
		}
		const trimmed = String(value).trim();
		if (trimmed.length > 200) errors.push({ field: key, reason: 'must be at most 200 characters' });
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
	options: { now?: number; canonicalKey?: 'email' | 'phone' | 'customer_id'; defaultCountry?: string } = {},
): SignupVerdict {
	const now = options.now ?? Date.now();
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { ok: false, status: 400, reason: 'invalid', errors: [{ field: 'body', reason: 'must be an object of signup fields, e.g. {"email": "ada@example.com"}' }] };
	}
	const body = raw as Record<string, unknown>;
	const shownAt = readShownAt(body[TIMESTAMP_FIELD], policy.secret);
	const bot = refusedAsBot(body, policy, shownAt, now);
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
		const paidOnly = errors.every((e) => e.field === 'utm_source');
		return { ok: false, status: 422, reason: paidOnly ? 'paid_without_source' : 'invalid', errors };
	}
	const consentGiven = isTruthyFlag(body[policy.consentField]);
	if (policy.requireConsent && !consentGiven) {
		return { ok: false, status: 422, reason: 'consent_required', errors: [{ field: 'consent', reason: 'must be ticked to join the waitlist' }] };
	}
	return {
		ok: true,
		signup: { email, phone, fields, attribution, consentGiven, shownAt: typeof shownAt === 'number' ? shownAt : undefined },
	};
}
