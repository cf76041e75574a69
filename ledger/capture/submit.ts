import { abuseSettings, DEFAULT_ABUSE_SETTINGS, type AbuseSettings, type CaptchaOutcome } from '../abuse/rules';
import { ForgottenIdentityError, LedgerInputError } from '../errors';
import type { Store } from '../store';
import { captureSignup, type CaptureResult } from './capture';
import { carriedFromValues, signupForm, type LaunchCaptureFacts, type SignupForm } from './form';
import { CHECKLIST_HEADER, signupLaunch } from '../checklist/routing';
import { capturePolicy, type CaptureOptions } from './policy';
import { recordCaptureRejection } from './rejections';
import { useFormStamp } from './stamps';
import { validateSignup, type FieldError, type ValidSignup } from './validate';

/**
 * One signup as the trigger received it, from read body to verdict: the origin and consent rules,
 * validation, the capture, and a record of every refusal (with the start of what was sent, so a
 * wrongly refused person can be recovered; past a per-address cap only counted). The trigger only reads the request and renders the result.
 */

/** A request body as the trigger read it: fields, or why it could not be read. */
export type SignupBody =
	| { ok: true; contentType: string; fields: Record<string, unknown>; raw: string }
	| { ok: false; status: number; reason: string; message: string; contentType: string; raw: string | null };

export interface SignupSubmission {
	launch: string;
	options: CaptureOptions;
	request: {
		body: SignupBody;
		/** The Origin header, if the browser sent one. */
		origin?: string;
		/**
		 * The origins of the signup URL itself (the hosted form's own site: n8n's webhook URL and the
		 * host the request came to). Always allowed, whatever the allowed origins say.
		 */
		ownOrigins?: string[];
		remoteAddress?: string | null;
		userAgent?: string | null;
		/** The X-Waitlist-Checklist header: a pre-launch checklist run's test signup (kept in its test launch). */
		checklistRoute?: string | null;
	};
	/**
	 * Claim the new sync entries for the run this signup starts (see captureSignup); left out in spike
	 * mode, where the batch drain sends them. leaseMs: the queued-run lease unless given.
	 */
	claimFor?: { workerId: string; leaseMs?: number };
	/** What the trigger's CAPTCHA check found, when a CAPTCHA is configured. */
	captcha?: CaptchaOutcome;
	now?: number;
}

export type SubmitResult =
	| {
			accepted: true;
			/** Where the signup was kept: the trigger's launch, or a checklist run's test launch. */
			launch: string;
			result: CaptureResult;
			signup: ValidSignup;
			/**
			 * The Origin to echo in Access-Control-Allow-Origin (an allowed website's page may read the
			 * answer); null: send none (no Origin, or one that is not allowed — n8n's echo is taken back).
			 */
			allowOrigin: string | null;
			/**
			 * The trigger's Abuse Signals options could not be read (e.g. "not a domain" in a list): the
			 * signup was checked with the defaults instead — a settings mistake never loses a signup.
			 */
			abuseSettingsError?: string;
	  }
	| {
			accepted: false;
			status: number;
			reason: string;
			/** The refusal in words, for a person. */
			message: string;
			errors: FieldError[];
			allowOrigin: string | null;
			/** What was typed (text values only), to show the form again with it. */
			values: Record<string, string>;
			/** The hosted form to show again: fields, and hidden inputs carrying the post's campaign values. */
			form: SignupForm;
			/** The recorded rejection's id; null when the sender's address was over its cap and the refusal was only counted. */
			rejectionId: number | null;
	  };

export const REJECTION_MESSAGES: Record<string, string> = {
	invalid: 'Some fields need fixing.',
	paid_without_source: 'Paid traffic must say where it came from.',
	honeypot: 'This signup looked automated and was not saved.',
	too_fast: 'The form was sent too quickly. Wait a moment and send it again.',
	malformed: 'The request body could not be read.',
	too_large: 'The request body is too large.',
	unsupported_type: 'The request content type is not accepted.',
	origin_not_allowed: 'Signups from this website are not accepted.',
	consent_required: 'Please tick the consent box to join.',
	// Said as an accepted signup is: the answer must not tell anyone that this address was forgotten.
	forgotten: "You're on the list.",
	captcha_failed: 'Please complete the CAPTCHA and send the form again.',
	checklist_run_refused: 'This test signup names no open pre-launch checklist run of this launch.',
};

/** A double click lands here too, after the first post went through: say so without saying whether it did. */
const FORM_STAMP_USED = 'this form was already sent once (if that was you, your first signup counts); reload the form to send another';

interface Refusal {
	status: number;
	reason: string;
	errors: FieldError[];
	/** The fields as received, for re-filling the form; none when the body could not be read. */
	fields?: Record<string, unknown>;
	allowOrigin?: string | null;
}

async function refuse(store: Store, launch: LaunchCaptureFacts, s: SignupSubmission, refusal: Refusal): Promise<SubmitResult> {
	const { body, remoteAddress, userAgent } = s.request;
	const rejectionId = await store.transaction((tx) =>
		recordCaptureRejection(tx, {
			launch: s.launch,
			status: refusal.status,
			reason: refusal.reason,
			errors: refusal.errors,
			contentType: body.contentType,
			payload: body.raw,
			remoteAddress: remoteAddress ?? null,
			userAgent: userAgent ?? null,
			names: { email: refusal.fields?.email, phone: refusal.fields?.phone },
		}, s.now),
	);
	const values = Object.fromEntries(Object.entries(refusal.fields ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
	return {
		accepted: false,
		status: refusal.status,
		reason: refusal.reason,
		message: REJECTION_MESSAGES[refusal.reason] ?? refusal.reason,
		errors: refusal.errors,
		allowOrigin: refusal.allowOrigin ?? null,
		values,
		form: signupForm(s.options, launch, carriedFromValues(values), s.now),
		rejectionId,
	};
}

/**
 * The Origin rule. By default only the launch's own site (the hosted form, served from the signup
 * URL's origin) may post from a browser; the creator lists the landing-page sites that embed the
 * snippet, or '*' for any. Requests without an Origin (server-side calls, old browsers' same-site
 * posts) pass: Origin only tells which page's script would read the answer.
 */
function originVerdict(origin: string | undefined, allowedOrigins: string[] | undefined, ownOrigins: string[]): { allowed: boolean; echo: string | null; error?: FieldError } {
	if (!origin) return { allowed: true, echo: null };
	const allowed = allowedOrigins ?? [];
	if (allowed.includes('*') || allowed.includes(origin) || ownOrigins.includes(origin)) return { allowed: true, echo: origin };
	const listed = allowed.length ? `only ${allowed.join(', ')} and the hosted form are allowed` : 'only the hosted form is allowed until landing-page sites are listed';
	return {
		allowed: false,
		echo: null,
		error: { field: 'origin', reason: `${origin} may not send signups (${listed}); to accept this site, add ${origin} to Allowed Origins (CORS) in the Waitlist Capture Trigger's options` },
	};
}

/** The abuse settings, or the defaults with what was wrong when the options cannot be read. */
function readAbuseSettings(options: CaptureOptions): { abuse: AbuseSettings; abuseSettingsError?: string } {
	try {
		return { abuse: abuseSettings(options.abuse) };
	} catch (error) {
		if (!(error instanceof LedgerInputError)) throw error;
		return { abuse: DEFAULT_ABUSE_SETTINGS, abuseSettingsError: `${error.field} ${error.reason}; the defaults were used until it is fixed in the Waitlist Capture Trigger's Abuse Signals` };
	}
}

/** A failed or missing CAPTCHA, when the creator chose to refuse those (an unreachable provider never refuses). */
function captchaRefused(captcha: CaptchaOutcome | undefined, abuse: AbuseSettings): FieldError | null {
	if (!captcha || abuse.captchaFailure !== 'refuse') return null;
	if (captcha.outcome === 'missing') return { field: 'captchaToken', reason: 'is required: complete the CAPTCHA on the form (the page sends its token as captchaToken)' };
	if (captcha.outcome === 'failed') return { field: 'captchaToken', reason: `was not accepted by ${captcha.provider === 'turnstile' ? 'Cloudflare Turnstile' : 'hCaptcha'}${captcha.detail ? ` (${captcha.detail})` : ''}; complete the CAPTCHA again` };
	return null;
}

export async function submitSignup(store: Store, launch: LaunchCaptureFacts, submitted: SignupSubmission): Promise<SubmitResult> {
	// Only a signup with the checklist's header costs the look-up.
	const route = submitted.request.checklistRoute ? await store.transaction((tx) => signupLaunch(tx, submitted.launch, submitted.request.checklistRoute)) : { launch: submitted.launch };
	if ('refused' in route) return refuse(store, launch, submitted, { status: 403, reason: 'checklist_run_refused', errors: [{ field: CHECKLIST_HEADER, reason: route.refused }] });
	const s: SignupSubmission = { ...submitted, launch: route.launch };
	const { body } = s.request;
	const origin = originVerdict(s.request.origin, s.options.allowedOrigins, s.request.ownOrigins ?? []);
	if (!body.ok) return refuse(store, launch, s, { status: body.status, reason: body.reason, errors: [{ field: 'body', reason: body.message }], allowOrigin: origin.echo });
	const fields = body.fields;
	if (!origin.allowed) return refuse(store, launch, s, { status: 403, reason: 'origin_not_allowed', errors: [origin.error!], fields });
	const allowOrigin = origin.echo;

	const policy = capturePolicy(s.options, launch.secret);
	const fromHostedForm = fields.wl_form === 'hosted';
	// The hosted form's "Consent Required" applies to its own posts; API and snippet callers decide for themselves.
	const requireConsent = (s.options.hostedForm?.consentRequired ?? false) && fromHostedForm;
	const verdict = validateSignup(fields, { ...policy, requireConsent }, { canonicalKey: launch.canonicalKey, defaultCountry: launch.defaultCountry, now: s.now, hostedForm: fromHostedForm });
	if (!verdict.ok) return refuse(store, launch, s, { status: verdict.status, reason: verdict.reason, errors: verdict.errors, fields, allowOrigin });

	const { abuse, abuseSettingsError } = readAbuseSettings(s.options);
	const captchaRefusal = captchaRefused(s.captcha, abuse);
	if (captchaRefusal) return refuse(store, launch, s, { status: 400, reason: 'captcha_failed', errors: [captchaRefusal], fields, allowOrigin });

	const { formStamp, shownAt } = verdict.signup;
	try {
		const result = await store.transaction(async (tx) => {
			// First in the transaction: a replayed stamp returns before anything is written.
			if (formStamp && !(await useFormStamp(tx, s.launch, formStamp, shownAt ?? 0, s.now ?? Date.now()))) return null;
			return captureSignup(tx, {
				launch: s.launch,
				signup: verdict.signup,
				policy,
				source: fromHostedForm ? 'capture:hosted-form' : 'capture',
				origin: s.request.origin ?? null,
				consentText: verdict.signup.consentGiven ? s.options.hostedForm?.consentText : undefined,
				claimFor: s.claimFor,
				// A checklist run's test signup is marked, so the monitor and exports leave it out too.
				isTest: s.launch !== submitted.launch,
				abuse: { settings: abuse, secret: launch.secret, remoteAddress: s.request.remoteAddress ?? null, captcha: s.captcha },
				doubleOptIn: s.options.doubleOptIn,
				now: s.now,
			});
		});
		if (!result) return refuse(store, launch, s, { status: 400, reason: 'too_fast', errors: [{ field: 'wl_ts', reason: FORM_STAMP_USED }], fields, allowOrigin });
		return { accepted: true, launch: s.launch, result, signup: verdict.signup, allowOrigin, ...(abuseSettingsError ? { abuseSettingsError } : {}) };
	} catch (error) {
		// A forgotten person's address: nothing is kept, and the caller is answered as for any signup.
		if (error instanceof ForgottenIdentityError) return refuse(store, launch, s, { status: 201, reason: 'forgotten', errors: [], fields, allowOrigin });
		if (!(error instanceof LedgerInputError)) throw error;
		return refuse(store, launch, s, { status: 422, reason: 'invalid', errors: [{ field: error.field, reason: error.reason }], fields, allowOrigin });
	}
}
