import type { FieldError, SignupForm } from '../../../ledger';
import type { ExpressLikeResponse } from '../http';
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
		},
		formActions,
	);
	sendPage(res, status, rendered);
}
