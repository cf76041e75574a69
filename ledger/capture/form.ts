import { ATTRIBUTION_KEYS, CLICK_AND_CAMPAIGN_KEYS } from '../attribution';
import type { CanonicalKey } from '../settings/settings';
import { capturePolicy, type CaptureOptions } from './policy';
import { REFERRAL_PARAMETER } from '../referrals/codes';
import { signFormTimestamp } from './validate';

/**
 * What the hosted signup form asks and carries. The trigger renders it; which fields a launch needs
 * (its canonical key decides), the honeypot's name and the signed "shown at" time are decided here.
 */

export interface SignupFormField {
	name: string;
	label: string;
	type: 'text' | 'email' | 'tel';
	required: boolean;
}

export interface SignupForm {
	fields: SignupFormField[];
	/** The field people never see; a bot that fills it is refused. */
	honeypotField: string;
	/** Hidden inputs: campaign values to carry through the post, `wl_form`, and the signed shown-at time `wl_ts`. */
	hidden: Record<string, string>;
}

/** A visit to the form page: its query string and referrer, whose campaign values ride along in hidden fields. */
export interface FormVisit {
	query?: Record<string, unknown>;
	referrer?: string;
}

/** What a launch's signups must carry and how its forms are signed. */
export interface LaunchCaptureFacts {
	canonicalKey: CanonicalKey;
	defaultCountry: string;
	secret: string;
}

function firstString(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstString(value[0]);
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Campaign parameters on the form's own URL, and where the visitor came from: carried along, JavaScript or not. */
export function carriedFromVisit(visit: FormVisit): Record<string, string> {
	const carried: Record<string, string> = {};
	for (const key of CLICK_AND_CAMPAIGN_KEYS) {
		const value = firstString(visit.query?.[key]);
		if (value) carried[key] = value.slice(0, 500);
	}
	if (visit.referrer) carried.referrer = visit.referrer.slice(0, 1000);
	// A referral link's code rides along the same way, so the signup credits whoever shared the link.
	const ref = firstString(visit.query?.[REFERRAL_PARAMETER]);
	if (ref) carried[REFERRAL_PARAMETER] = ref.slice(0, 64);
	return carried;
}

/** The campaign values a refused post carried, to carry them again when the form is shown with its errors. */
export function carriedFromValues(values: Record<string, string>): Record<string, string> {
	return Object.fromEntries([...ATTRIBUTION_KEYS, REFERRAL_PARAMETER].filter((key) => values[key]).map((key) => [key, values[key]!]));
}

export function signupForm(options: CaptureOptions, launch: LaunchCaptureFacts, carried: Record<string, string>, now = Date.now()): SignupForm {
	const { askFirstName = true, askPhone = false } = options.hostedForm ?? {};
	const { canonicalKey } = launch;
	const fields: SignupFormField[] = [
		...(askFirstName ? [{ name: 'first_name', label: 'First name', type: 'text' as const, required: false }] : []),
		{ name: 'email', label: 'Email', type: 'email', required: canonicalKey === 'email' },
		...(askPhone || canonicalKey === 'phone' ? [{ name: 'phone', label: 'Phone', type: 'tel' as const, required: canonicalKey === 'phone' }] : []),
	];
	return {
		fields,
		honeypotField: capturePolicy(options, launch.secret).honeypotField || 'website',
		hidden: { ...carried, wl_form: 'hosted', wl_ts: signFormTimestamp(now, launch.secret) },
	};
}
