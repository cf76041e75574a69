import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import type { CaptchaOutcome } from '../../ledger';

/** The part of n8n's helpers this needs (IWebhookFunctions['helpers'] has it). */
interface HttpHelper {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

export type CaptchaProvider = CaptchaOutcome['provider'];

/** Each provider's server-side check (both take secret, response and remoteip as a form post and answer { success, error-codes }). */
export const CAPTCHA_VERIFY_URLS: Record<CaptchaProvider, string> = {
	turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
	hcaptcha: 'https://api.hcaptcha.com/siteverify',
};

/** Where the token arrives: the pack's own name first, then the field each widget adds to a form. */
const TOKEN_FIELDS = ['captchaToken', 'cf-turnstile-response', 'h-captcha-response'];

export function captchaToken(fields: Record<string, unknown>): string | null {
	for (const name of TOKEN_FIELDS) {
		const value = fields[name];
		if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 4096);
	}
	return null;
}

/**
 * Asks the provider whether the signup's CAPTCHA token is good. The answer is an outcome for the
 * ledger to decide on, never an exception: the provider unreachable, slow or answering garbage is
 * `unavailable`, and the signup is kept (flagged captcha_unchecked).
 */
export async function verifyCaptcha(
	helpers: HttpHelper,
	input: { provider: CaptchaProvider; secretKey: string; token: string | null; remoteAddress: string | null },
): Promise<CaptchaOutcome> {
	const { provider } = input;
	if (!input.token) return { provider, outcome: 'missing' };
	const form = new URLSearchParams({ secret: input.secretKey, response: input.token });
	if (input.remoteAddress) form.set('remoteip', input.remoteAddress);
	let body: IDataObject;
	try {
		const response = (await helpers.httpRequest({
			method: 'POST',
			url: CAPTCHA_VERIFY_URLS[provider],
			headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
			body: form.toString(),
			json: true,
			timeout: 5_000,
		})) as unknown;
		body = (typeof response === 'string' ? (JSON.parse(response) as unknown) : response) as IDataObject;
	} catch (error) {
		return { provider, outcome: 'unavailable', detail: `the provider could not be asked: ${(error as Error).message}`.slice(0, 200) };
	}
	if (typeof body !== 'object' || body === null || typeof body.success !== 'boolean') return { provider, outcome: 'unavailable', detail: 'the provider answered something that is not its verification result' };
	if (body.success) return { provider, outcome: 'passed' };
	const codes = Array.isArray(body['error-codes']) ? (body['error-codes'] as unknown[]).map(String).join(', ') : '';
	return { provider, outcome: 'failed', ...(codes ? { detail: codes } : {}) };
}
