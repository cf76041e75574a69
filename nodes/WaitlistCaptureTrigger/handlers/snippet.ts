import type { IWebhookResponseData } from 'n8n-workflow';

import { CLICK_AND_CAMPAIGN_KEYS, REFERRAL_PARAMETER } from '../../../ledger';
import type { ExpressLikeResponse, IncomingRequest } from '../../shared/http';
import type { CaptureTriggerOptions } from '../options';
import { CAPTCHA_WIDGETS } from '../page';
import { renderSnippet } from '../snippet';

/** n8n knows two webhook names; the snippet is a second GET told apart by its path. */
export function isSnippetRequest(req: IncomingRequest): boolean {
	return (req.path ?? req.url ?? '').split('?')[0]!.endsWith('/snippet.js');
}

/** GET …/snippet.js: the landing-page script. Needs no ledger. */
export function serveSnippet(res: ExpressLikeResponse, options: CaptureTriggerOptions): IWebhookResponseData {
	res.status(200);
	res.setHeader('content-type', 'application/javascript; charset=utf-8');
	res.setHeader('cache-control', 'public, max-age=300');
	res.send(
		renderSnippet({
			// A referral link's ?ref= is kept like a campaign value, under the same consent rules.
			keys: [...CLICK_AND_CAMPAIGN_KEYS, REFERRAL_PARAMETER],
			cookieName: 'wl_attr',
			cookieDays: options.snippet.cookieDays,
			consentMode: options.snippet.consentMode,
			consentCheckbox: 'consent',
			captcha: options.captcha?.siteKey
				? { script: CAPTCHA_WIDGETS[options.captcha.provider].script, className: CAPTCHA_WIDGETS[options.captcha.provider].className, siteKey: options.captcha.siteKey }
				: null,
		}),
	);
	return { noWebhookResponse: true };
}
