import { createHmac } from 'node:crypto';

import type { AbuseOptions } from '../abuse/rules';
import type { AttributionKey } from '../attribution';
import type { DoubleOptInOptions } from '../optin/capture';

/**
 * Signup capture rules: what a signup must carry, what counts as a bot, what happens to attribution
 * without consent, and which vendor syncs a signup implies. The Waitlist Capture Trigger only
 * parses HTTP and renders answers; every decision about a signup is made in capture/.
 */

/** utm_medium values that mean paid traffic, which must say where it came from (utm_source). */
export const DEFAULT_PAID_MEDIUMS = ['cpc', 'ppc', 'paid', 'paid_social', 'paidsocial', 'paid-social', 'paid_search', 'display', 'cpm', 'cpv'];

/** Click ids identify one ad click, and with it a person: without consent they are kept only as the creator chose (hashed by default). */
const PERSONAL_ATTRIBUTION_KEYS: readonly AttributionKey[] = ['gclid', 'fbclid', 'ttclid', 'msclkid'];

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
	attributionWithoutConsent: 'hashed',
	secret: '',
	syncKinds: ['esp_sync', 'crm_sync'],
	profileFields: ['first_name', 'last_name', 'name', 'company', 'country'],
};

/**
 * The capture trigger's options as plain values; each one left out takes the default. The launch's
 * secret is added by the ledger (capturePolicy).
 */
export interface CaptureOptions {
	/**
	 * Websites whose pages may post signups and read the answer (their Origin header), besides the
	 * hosted form's own site; '*' allows any. Left out or empty: the hosted form's site only.
	 */
	allowedOrigins?: string[];
	paidMediums?: string[];
	requireSourceForPaid?: boolean;
	honeypotField?: string;
	/** Submissions faster than this after the form was shown are refused as automated (default 2). */
	minSeconds?: number;
	attributionWithoutConsent?: AttributionWithoutConsent;
	syncKinds?: string[];
	/** Abuse signals: disposable domains, velocity limits, holding flagged syncs, what a failed CAPTCHA does (abuse/rules.ts). */
	abuse?: AbuseOptions;
	/** Double opt-in (left out: off): new people confirm their address by email before syncs and referral credit (optin/). */
	doubleOptIn?: DoubleOptInOptions;
	/** The hosted form's own settings. */
	hostedForm?: {
		askFirstName?: boolean;
		askPhone?: boolean;
		/** Its posts are refused unless the consent box is ticked (API and snippet callers decide for themselves). */
		consentRequired?: boolean;
		/** The consent text as configured; kept with the consent it was given under. */
		consentText?: string;
	};
}

/** The policy a launch's signups are checked and stored under: the options, their defaults, the launch's secret. */
export function capturePolicy(options: CaptureOptions, secret: string): CapturePolicy {
	return {
		...DEFAULT_CAPTURE_POLICY,
		paidMediums: options.paidMediums ?? DEFAULT_CAPTURE_POLICY.paidMediums,
		requireSourceForPaid: options.requireSourceForPaid ?? true,
		honeypotField: options.honeypotField ?? DEFAULT_CAPTURE_POLICY.honeypotField,
		minSubmitMs: Math.max(0, (options.minSeconds ?? 2) * 1000),
		attributionWithoutConsent: options.attributionWithoutConsent ?? 'hashed',
		syncKinds: options.syncKinds ?? DEFAULT_CAPTURE_POLICY.syncKinds,
		secret,
	};
}

/** Keys that are addresses of pages: without consent only their site (scheme, host, port) is kept. */
const URL_ATTRIBUTION_KEYS: readonly AttributionKey[] = ['referrer', 'landing_url'];

/** A page address cut to its site: no path, query or fragment (they carry campaign ids, search terms, sometimes an email). Unreadable: null. */
export function siteOnly(url: string): string | null {
	try {
		const parsed = new URL(url);
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
		return parsed.origin;
	} catch {
		return null;
	}
}

/** A campaign name that carries an address or a page (utm_content=ada@example.com): not a campaign name, not kept without consent. */
const looksPersonal = (value: string): boolean => value.includes('@') || /:\/\//.test(value);

/**
 * Attribution as it may be stored. With consent, everything as sent. Without it: the referrer and
 * landing URL keep only their site (dropped with "drop"); click ids are kept as configured (as sent,
 * hashed, or dropped); campaign names (utm_*) are kept unless they carry an address or a URL.
 */
export function attributionToStore(signup: { consentGiven: boolean; attribution: Partial<Record<AttributionKey, string>> }, policy: CapturePolicy): Partial<Record<AttributionKey, string>> {
	if (signup.consentGiven) return { ...signup.attribution };
	const mode = policy.attributionWithoutConsent;
	const kept: Partial<Record<AttributionKey, string>> = {};
	for (const [key, value] of Object.entries(signup.attribution) as Array<[AttributionKey, string]>) {
		if (URL_ATTRIBUTION_KEYS.includes(key)) {
			const site = mode === 'drop' ? null : siteOnly(value);
			if (site) kept[key] = site;
		} else if (PERSONAL_ATTRIBUTION_KEYS.includes(key)) {
			if (mode === 'raw') kept[key] = value;
			else if (mode === 'hashed') kept[key] = `hmac:${createHmac('sha256', policy.secret || 'waitlist-ledger').update(value).digest('hex').slice(0, 32)}`;
		} else if (!looksPersonal(value)) kept[key] = value;
	}
	return kept;
}
