import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

import { ATTRIBUTION_KEYS, type AttributionKey } from '../attribution';
import { LedgerInputError } from '../errors';
import { lockContacts } from '../contacts/records';
import { upsertContact, type UpsertContactResult } from '../contacts/upsert';
import { normalizeEmail, normalizePhone } from '../normalize';
import { claimDueOutboxEntries, enqueueOutboxEntry } from '../outbox/enqueue';
import { getLaunchSettings } from '../settings/settings';
import type { SqlExecutor } from '../store';

/**
 * Signup capture rules: what a signup must carry, what counts as a bot, what happens to attribution
 * without consent, and which vendor syncs a signup implies. The Waitlist Capture Trigger only
 * parses HTTP and renders answers; every decision about a signup is made here.
 */

/** utm_medium values that mean paid traffic, which must say where it came from (utm_source). */
export const DEFAULT_PAID_MEDIUMS = ['cpc', 'ppc', 'paid', 'paid_social', 'paidsocial', 'paid-social', 'paid_search', 'display', 'cpm', 'cpv'];

/** Click ids and URLs identify one visit or person, so without consent they are only kept hashed. */
const PERSONAL_ATTRIBUTION_KEYS: readonly AttributionKey[] = ['gclid', 'fbclid', 'ttclid', 'msclkid', 'referrer', 'landing_url'];

export type AttributionWithoutConsent = 'raw' | 'hashed' | 'drop';

export interface CapturePolicy {
	paidMediums: string[];
	requireSourceForPaid: boolean;
	/** A field humans never see; a bot that fills it is refused. Empty string turns the check off. */
	honeypotField: string;
	/** Submissions faster than this after the form was shown are refused as automated. 0 = off. */
	minSubmitMs: number;
	/** Name of the consent checkbox / field. */
	consentField: string;
	/** What is stored of attribution when consent was not given. */
	attributionWithoutConsent: AttributionWithoutConsent;
	/** Secret for hashed attribution and for the hosted form's signed timestamp. */
	secret: string;
	/** Vendor syncs each new or changed signup needs (outbox kinds), e.g. ['esp_sync', 'crm_sync']. */
	syncKinds: string[];
	/** Profile fields kept from the form; others are ignored (never stored by accident). */
	profileFields: string[];
	/** Refuse a signup whose consent box is not ticked (the hosted form's "Consent Required"). */
	requireConsent?: boolean;
}

export const DEFAULT_CAPTURE_POLICY: CapturePolicy = {
	paidMediums: DEFAULT_PAID_MEDIUMS,
	requireSourceForPaid: true,
	honeypotField: 'website',
	minSubmitMs: 2_000,
	consentField: 'consent',
	attributionWithoutConsent: 'raw',
	secret: '',
	syncKinds: ['esp_sync', 'crm_sync'],
	profileFields: ['first_name', 'last_name', 'name', 'company', 'country'],
};

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

	if (policy.honeypotField && typeof body[policy.honeypotField] === 'string' && (body[policy.honeypotField] as string).trim() !== '') {
		return { ok: false, status: 400, reason: 'honeypot', errors: [{ field: policy.honeypotField, reason: 'must be left empty (it is hidden from people; bots fill it in)' }] };
	}
	const shownAt = readShownAt(body[TIMESTAMP_FIELD], policy.secret);
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

	const errors: FieldError[] = [];
	const parsed = signupShape.safeParse(body);
	if (!parsed.success) {
		for (const issue of parsed.error.issues) errors.push({ field: issue.path.join('.') || 'body', reason: issue.message });
		return { ok: false, status: 422, reason: 'invalid', errors };
	}
	const data = parsed.data;
	const canonicalKey = options.canonicalKey ?? 'email';
	const email = data.email || undefined;
	const phone = data.phone || undefined;
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

	// Attribution arrives as top-level hidden fields (utm_source …) or as an `attribution` object.
	const attribution: ValidSignup['attribution'] = {};
	const sources: Array<Record<string, unknown>> = [body, (data.attribution as Record<string, unknown> | undefined) ?? {}];
	for (const source of sources) {
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

/** Attribution as it may be stored, given consent and the policy (see PERSONAL_ATTRIBUTION_KEYS). */
export function attributionToStore(signup: ValidSignup, policy: CapturePolicy): Partial<Record<AttributionKey, string>> {
	if (signup.consentGiven || policy.attributionWithoutConsent === 'raw') return { ...signup.attribution };
	const kept: Partial<Record<AttributionKey, string>> = {};
	for (const [key, value] of Object.entries(signup.attribution) as Array<[AttributionKey, string]>) {
		if (!PERSONAL_ATTRIBUTION_KEYS.includes(key)) kept[key] = value;
		else if (policy.attributionWithoutConsent === 'hashed') {
			kept[key] = `hmac:${createHmac('sha256', policy.secret || 'waitlist-ledger').update(value).digest('hex').slice(0, 32)}`;
		}
	}
	return kept;
}

export interface CaptureResult extends UpsertContactResult {
	attribution: Partial<Record<AttributionKey, string>>;
	consent: Record<string, unknown>;
	/** Vendor syncs now pending for this signup (an unchanged repeat adds none). */
	pendingSync: Array<{ id: string; kind: string; created: boolean }>;
	/** The new sync entries, already claimed for the run this signup starts (see `claimFor`). */
	claimedSync: Array<{ id: string; kind: string; claimToken: string; idempotencyKey: string }>;
}

/**
 * Commits one accepted signup: contact upsert with attribution and consent, audit events, and one
 * outbox entry per vendor sync — all in the caller's transaction, so the HTTP answer is only given
 * after everything is durable. The sync entries' idempotency keys are a digest of what the vendors
 * receive, so a repeat signup that changes nothing adds no work, and a real change adds exactly one.
 */
export async function captureSignup(
	tx: SqlExecutor,
	input: {
		launch: string;
		signup: ValidSignup;
		policy: CapturePolicy;
		source: string;
		consentText?: string;
		isTest?: boolean;
		now?: number;
		/**
		 * Claim the new sync entries for the workflow run this signup starts, so that run can call the
		 * vendors and ack them. If the run dies, the lease expires and the drain/sweep picks them up.
		 * Left out in spike mode: the entries stay pending for the batch drain.
		 */
		claimFor?: { workerId: string; leaseMs: number };
	},
): Promise<CaptureResult> {
	const now = input.now ?? Date.now();
	const attribution = attributionToStore(input.signup, input.policy);
	const consent: Record<string, unknown> = input.signup.consentGiven
		? { marketing: true, marketing_at: new Date(now).toISOString(), ...(input.consentText ? { marketing_text: input.consentText } : {}) }
		: {};
	const result = await upsertContact(tx, {
		launch: input.launch,
		email: input.signup.email,
		phone: input.signup.phone,
		fields: input.signup.fields,
		attribution: Object.keys(attribution).length ? { ...attribution, at: now } : undefined,
		consent,
		source: input.source,
		isTest: input.isTest,
		receivedAt: now,
	});
	// Already locked by the upsert in this transaction; this reads what it wrote.
	const contact = (await lockContacts(tx, [result.contactId])).get(result.contactId);
	// What the ESP and CRM are told; the digest names the version of it. Touch times are left out:
	// vendors get campaign values, and a repeat visit with the same UTMs is no change to them.
	const touchValues = (json: string | null | undefined) => {
		if (!json) return null;
		const values = JSON.parse(json) as Record<string, unknown>;
		delete values.at;
		return values;
	};
	const synced = {
		email: contact?.email ?? null,
		phone: contact?.phone ?? null,
		profile: contact?.profile ?? '{}',
		firstTouch: touchValues(contact?.first_touch),
		lastTouch: touchValues(contact?.last_touch),
	};
	const digest = createHash('sha256').update(JSON.stringify(synced)).digest('hex').slice(0, 24);
	const pendingSync: CaptureResult['pendingSync'] = [];
	for (const kind of input.policy.syncKinds) {
		const entry = await enqueueOutboxEntry(tx, {
			launch: input.launch,
			kind,
			idempotencyKey: `${kind}:${result.contactId}:${digest}`,
			contactId: result.contactId,
			payload: { contactId: result.contactId, reason: result.created ? 'signup' : 'signup_update' },
		});
		pendingSync.push({ id: entry.id, kind, created: entry.created });
	}
	const fresh = pendingSync.filter((p) => p.created).map((p) => p.id);
	const claimedSync: CaptureResult['claimedSync'] = [];
	if (input.claimFor && fresh.length > 0) {
		// The clock now, not `now`: the entries were enqueued due at their own (later) insert time, and a
		// claim at the earlier `now` would find them not yet due whenever the millisecond had turned.
		const claimed = await claimDueOutboxEntries(tx, { launch: input.launch, ids: fresh, limit: fresh.length, leaseMs: input.claimFor.leaseMs, workerId: input.claimFor.workerId, now: Math.max(now, Date.now()) });
		for (const entry of claimed) claimedSync.push({ id: entry.id, kind: entry.kind, claimToken: entry.claimToken, idempotencyKey: entry.idempotencyKey });
	}
	return { ...result, attribution, consent, pendingSync, claimedSync };
}

/** The launch's canonical key and phone country, which decide what a signup must carry. */
export async function captureContext(tx: SqlExecutor, launch: string): Promise<{ canonicalKey: 'email' | 'phone' | 'customer_id'; defaultCountry: string }> {
	const settings = await getLaunchSettings(tx, launch);
	return { canonicalKey: settings.canonicalKey, defaultCountry: settings.defaultCountry };
}

/** The launch's secret for signing form timestamps and hashing attribution; created once. */
export async function captureSecret(tx: SqlExecutor, launch: string): Promise<string> {
	await tx.execute('INSERT INTO capture_secrets (launch, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (launch) DO NOTHING', [
		launch,
		randomBytes(32).toString('hex'),
		Date.now(),
	]);
	const [row] = await tx.query<{ secret: string }>('SELECT secret FROM capture_secrets WHERE launch = $1', [launch]);
	return row!.secret;
}
