import type { FieldError, SignupForm, SubmitResult } from '../../../ledger';
import type { ExpressLikeResponse } from '../../shared/http';
import type { CaptureTriggerOptions } from '../options';
import { renderForm, type RenderedPage } from '../page';

export function sendPage(res: ExpressLikeResponse, status: number, page: RenderedPage): void {
	res.status(status);
	for (const [name, value] of Object.entries(page.headers)) res.setHeader(name, value);
	res.send(page.html);
}

/** The hosted form as the ledger laid it out, in the trigger's words; with what was typed and what to fix after a refused post. */
export function sendHostedForm(res: ExpressLikeResponse, status: number, options: CaptureTriggerOptions, form: SignupForm, values: Record<string, string> = {}, errors: FieldError[] = []): void {
	const { page } = options;
	// The thank-you page's site is where the form may send people afterwards (the page's CSP says so).
	const formActions = options.thankYouUrl ? [new URL(options.thankYouUrl).origin] : [];
	const rendered = renderForm(
		{
			title: page.title,
			intro: page.intro,
			fields: form.fields,
			consentText: page.consentText,
			consentRequired: page.consentRequired,
			submitLabel: page.submitLabel,
			honeypotField: form.honeypotField,
			hidden: form.hidden,
			values,
			errors,
			consentChecked: ['yes', 'on', 'true'].includes(String(values.consent ?? '').toLowerCase()),
			// The widget needs the site key; without one the trigger still checks tokens sent by your own form.
			captcha: options.captcha?.siteKey ? options.captcha : null,
		},
		formActions,
	);
	sendPage(res, status, rendered);
}

/** What an accepted signup's JSON answer says: the full account for the run, the public one for the caller. */
export interface SignupAnswer {
	/** The run's item starts from this: whether the contact is new, and its id. */
	full: { ok: true; status: 'subscribed' | 'already_subscribed'; message: string; contactId: string; created: boolean };
	/** What the caller is told, and its status code. */
	status: number;
	body: Record<string, unknown>;
}

/**
 * Anyone who knows an address can post it, so by default the answer is the same whether it was
 * already on the list or not — 201 and no contact id — and reveals nothing about who is on the list.
 * "Answer with Contact Details" gives the creator's own integrations today's answer (201 new /
 * 200 already on the list, with the contact id).
 */
export function signupAnswer(result: Extract<SubmitResult, { accepted: true }>['result'], withContactDetails: boolean): SignupAnswer {
	const full = {
		ok: true as const,
		status: result.created ? ('subscribed' as const) : ('already_subscribed' as const),
		message: result.created ? "You're on the list." : "You're already on the list.",
		contactId: result.contactId,
		created: result.created,
	};
	if (withContactDetails) return { full, status: result.created ? 201 : 200, body: full };
	return { full, ...publicSignupAnswer() };
}

/** What anyone posting an address is told by default, whoever it belongs to. */
export function publicSignupAnswer(): { status: number; body: Record<string, unknown> } {
	return { status: 201, body: { ok: true, status: 'subscribed', message: "You're on the list." } };
}
