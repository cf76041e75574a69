import { randomBytes } from 'node:crypto';

import type { ConfirmByTokenResult, LeaderboardRow, SignupFormField } from '../../ledger';
import { escapeHtml } from '../shared/page/escape';

/**
 * The hosted signup form and thank-you page: plain server-rendered HTML that works with JavaScript
 * off, loads nothing from elsewhere, and is served under a strict Content-Security-Policy (inline
 * styles only with a per-response nonce, no scripts — but the CAPTCHA provider's, when one is on).
 */

/** A field the form asks for; the ledger decides which (capture.formContext). */
export type FormField = SignupFormField;

export interface FormPageOptions {
	title: string;
	intro: string;
	fields: FormField[];
	consentText: string;
	consentRequired: boolean;
	submitLabel: string;
	honeypotField: string;
	/** Hidden inputs carried through the post: attribution from the URL, the signed timestamp. */
	hidden: Record<string, string>;
	/** Values typed before a failed post, shown again. */
	values?: Record<string, string>;
	/** Messages per field name (and '' for the whole form). */
	errors?: Array<{ field: string; reason: string }>;
	consentChecked?: boolean;
	/** The CAPTCHA widget to show (the provider's script is then the page's only script). */
	captcha?: { provider: 'turnstile' | 'hcaptcha'; siteKey: string } | null;
}

/** Each widget: its script, the hosts its CSP must allow, and the element it renders into. */
export const CAPTCHA_WIDGETS = {
	turnstile: { script: 'https://challenges.cloudflare.com/turnstile/v0/api.js', hosts: ['https://challenges.cloudflare.com'], className: 'cf-turnstile' },
	hcaptcha: { script: 'https://js.hcaptcha.com/1/api.js', hosts: ['https://hcaptcha.com', 'https://*.hcaptcha.com'], className: 'h-captcha' },
} as const;

// One escaping for every page the pack serves (nodes/shared/page/escape.ts).
export { escapeHtml };

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f5;color:#1d2521}
main{max-width:30rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.6rem;margin:0 0 .5rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=email],input[type=tel]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #9aa59f;border-radius:6px;font:inherit}
input[aria-invalid=true]{border-color:#b3261e}
.consent{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
.error{color:#b3261e;font-size:.9rem;margin:.25rem 0 0}
.summary{border:2px solid #b3261e;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
button{margin-top:1.5rem;padding:.7rem 1.4rem;font:inherit;font-weight:600;color:#fff;background:#2f6f4f;border:0;border-radius:6px;cursor:pointer}
button:focus,input:focus,a:focus{outline:3px solid #f2b134;outline-offset:2px}
.place{font-size:1.2rem}
.link{word-break:break-all;background:#f0f4f1;padding:.5rem;border-radius:6px}
.leaderboard{padding-left:1.5rem}.leaderboard .count{color:#555}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
`;

export interface RenderedPage {
	html: string;
	headers: Record<string, string>;
}

function securityHeaders(nonce: string, formActions: string[], captchaHosts: readonly string[] = []): Record<string, string> {
	const hosts = captchaHosts.join(' ');
	return {
		'content-type': 'text/html; charset=utf-8',
		'content-security-policy': [
			"default-src 'none'",
			`style-src 'nonce-${nonce}'${hosts ? ` ${hosts}` : ''}`,
			...(hosts ? [`script-src ${hosts}`, `frame-src ${hosts}`, `connect-src ${hosts}`] : []),
			`form-action 'self' ${formActions.join(' ')}`.trim(),
			"base-uri 'none'",
			"frame-ancestors 'none'",
			"img-src 'self' data:",
		].join('; '),
		'x-content-type-options': 'nosniff',
		'referrer-policy': 'strict-origin-when-cross-origin',
		'cache-control': 'no-store',
	};
}

function page(title: string, body: string, formActions: string[] = [], captcha?: FormPageOptions['captcha']): RenderedPage {
	const nonce = randomBytes(16).toString('base64');
	const widget = captcha ? CAPTCHA_WIDGETS[captcha.provider] : null;
	const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
${widget ? `<script src="${widget.script}" async defer></script>` : ''}
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
	return { html, headers: securityHeaders(nonce, formActions, widget?.hosts) };
}

export function renderForm(options: FormPageOptions, formActions: string[] = []): RenderedPage {
	const errors = options.errors ?? [];
	const errorFor = (field: string) => errors.find((e) => e.field === field);
	const values = options.values ?? {};
	const fieldHtml = options.fields
		.map((field) => {
			const id = `f-${escapeHtml(field.name)}`;
			const error = errorFor(field.name);
			const autocomplete = field.type === 'email' ? 'email' : field.type === 'tel' ? 'tel' : field.name === 'first_name' ? 'given-name' : field.name === 'last_name' ? 'family-name' : 'on';
			return `<label for="${id}">${escapeHtml(field.label)}${field.required ? '' : ' <span>(optional)</span>'}</label>
<input id="${id}" name="${escapeHtml(field.name)}" type="${field.type}" autocomplete="${autocomplete}" value="${escapeHtml(values[field.name])}"${field.required ? ' required aria-required="true"' : ''}${error ? ` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? `<p class="error" id="${id}-error">${escapeHtml(error.reason)}</p>` : ''}`;
		})
		.join('\n');
	const consentError = errorFor('consent');
	const summary = errors.length
		? `<div class="summary" role="alert"><p><strong>Please check the form:</strong></p><ul>${errors
				.map((e) => `<li>${escapeHtml(options.fields.find((f) => f.name === e.field)?.label ?? e.field)}: ${escapeHtml(e.reason)}</li>`)
				.join('')}</ul></div>`
		: '';
	const hidden = Object.entries(options.hidden)
		.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
		.join('\n');
	const body = `<h1>${escapeHtml(options.title)}</h1>
${options.intro ? `<p>${escapeHtml(options.intro)}</p>` : ''}
${summary}
<form method="post" novalidate>
${fieldHtml}
${
	options.consentText
		? `<label class="consent" for="f-consent"><input id="f-consent" type="checkbox" name="consent" value="yes"${options.consentChecked ? ' checked' : ''}${options.consentRequired ? ' required aria-required="true"' : ''}${consentError ? ' aria-invalid="true" aria-describedby="f-consent-error"' : ''}> <span>${escapeHtml(options.consentText)}</span></label>
${consentError ? `<p class="error" id="f-consent-error">${escapeHtml(consentError.reason)}</p>` : ''}`
		: ''
}
<div class="hp" aria-hidden="true"><label for="f-hp">Leave this empty</label><input id="f-hp" type="text" name="${escapeHtml(options.honeypotField)}" tabindex="-1" autocomplete="off"></div>
${hidden}
${options.captcha ? `<div class="${CAPTCHA_WIDGETS[options.captcha.provider].className}" data-sitekey="${escapeHtml(options.captcha.siteKey)}"></div>` : ''}
<button type="submit">${escapeHtml(options.submitLabel)}</button>
</form>`;
	return page(options.title, body, formActions, options.captcha);
}

/** A person's place and links, as the thank-you and status pages show them. */
export interface PlaceInLine {
	place: number;
	of: number;
	referralLink: string;
	/** Referrals that counted, and those that wait (e.g. until the friend confirms). */
	counted: number;
	pending: number;
	/** The status page's link (the thank-you page offers it to bookmark). */
	statusLink?: string;
}

function placeHtml(standing: PlaceInLine): string {
	const referrals =
		standing.counted === 0 ? 'No one has joined through your link yet' : standing.counted === 1 ? '1 friend has joined through your link' : `${standing.counted} friends have joined through your link`;
	return `<p class="place" role="status">You are <strong>number ${standing.place.toLocaleString('en')}</strong> of ${standing.of.toLocaleString('en')} in line.</p>
<p>Share your link: every friend who joins moves you up.</p>
<p class="link"><a href="${escapeHtml(standing.referralLink)}">${escapeHtml(standing.referralLink)}</a></p>
<p>${escapeHtml(referrals)}${standing.pending > 0 ? ` (${standing.pending} more waiting to count)` : ''}.</p>
${standing.statusLink ? `<p>Bookmark <a href="${escapeHtml(standing.statusLink)}">your status page</a> to check your place later.</p>` : ''}`;
}

export function renderThankYou(title: string, message: string, standing?: PlaceInLine): RenderedPage {
	return page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="status">${escapeHtml(message)}</p>${standing ? `\n${placeHtml(standing)}` : ''}`);
}

/** The optional top-10: rank, first name and initial, count — nothing else about anyone. */
function leaderboardHtml(rows: readonly LeaderboardRow[]): string {
	if (rows.length === 0) return '<h2>Top referrers</h2>\n<p>No one has brought a friend yet: be the first.</p>';
	const items = rows.map((r) => `<li><span class="who">${escapeHtml(r.name)}</span> <span class="count">${r.referrals.toLocaleString('en')} ${r.referrals === 1 ? 'friend' : 'friends'}</span></li>`);
	return `<h2>Top referrers</h2>\n<ol class="leaderboard">\n${items.join('\n')}\n</ol>`;
}

/**
 * The page a signed status link opens: the person's place and referral counts; about anyone else only
 * the optional leaderboard (first names and initials with their counts).
 */
export function renderStatus(title: string, standing: PlaceInLine | null, leaderboard?: readonly LeaderboardRow[]): RenderedPage {
	if (!standing) {
		return page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">This status link is not valid. Open the link exactly as you received it, or sign up again to get a new one.</p>`);
	}
	return page(`Your place in line · ${title}`, `<h1>Your place in line</h1>\n${placeHtml(standing)}${leaderboard ? `\n${leaderboardHtml(leaderboard)}` : ''}`);
}

/** What the confirmation page says for each outcome of a confirmation link. */
const CONFIRM_WORDS: Record<ConfirmByTokenResult['outcome'], { heading: string; text: string; role: 'status' | 'alert' }> = {
	confirmed: { heading: "You're confirmed", text: 'Thanks! Your email address is confirmed and your place on the waitlist counts.', role: 'status' },
	already_confirmed: { heading: 'Already confirmed', text: 'This address was already confirmed. Nothing more to do.', role: 'status' },
	not_required: { heading: "You're on the list", text: 'This address needs no confirmation. Nothing more to do.', role: 'status' },
	invalid: { heading: 'This link is not valid', text: 'Open the link exactly as it is in the email (copying it can cut it short), or sign up again to get a new one.', role: 'alert' },
	expired: { heading: 'This link has expired', text: 'Confirmation links work for a few days. Sign up again with the same address and a new link is sent.', role: 'alert' },
	unknown: { heading: 'This signup was not found', text: 'This address is no longer on the list. Sign up again if you want to join.', role: 'alert' },
};

/**
 * The page a double opt-in link opens while the address is unconfirmed: one button that confirms
 * (POST to the same address). Mail scanners open links but do not press buttons, so an address is
 * confirmed only by someone who read the email.
 */
export function renderConfirmAsk(title: string, token: string): RenderedPage {
	return page(
		`Confirm your email · ${title}`,
		`<h1>Confirm your email</h1>\n<p>One click and your place on the waitlist counts.</p>\n<form method="post">\n<input type="hidden" name="token" value="${escapeHtml(token)}">\n<button type="submit">Confirm my email</button>\n</form>`,
	);
}

/** The page a double opt-in link opens. */
export function renderConfirm(title: string, outcome: ConfirmByTokenResult['outcome']): RenderedPage {
	const words = CONFIRM_WORDS[outcome];
	return page(`${words.heading} · ${title}`, `<h1>${escapeHtml(words.heading)}</h1>\n<p role="${words.role}">${escapeHtml(words.text)}</p>`);
}
