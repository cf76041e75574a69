import type { IWebhookFunctions } from 'n8n-workflow';

import { header, type ExpressLikeResponse, type IncomingRequest } from '../../shared/http';

/**
 * The signup URL's own origins: where the hosted form is served from, so its posts are same-site.
 * n8n's webhook URL (WEBHOOK_URL behind a proxy) and the host the request came to (its Host header:
 * a page's script cannot set it, and a client that can does not need CORS to read the answer).
 */
export function ownOrigins(ctx: IWebhookFunctions, req: IncomingRequest): string[] {
	const origins = new Set<string>();
	try {
		const url = ctx.getNodeWebhookUrl('default');
		if (url) origins.add(new URL(url).origin);
	} catch {
		// No webhook URL known (e.g. an in-process run): the Host header still names the site.
	}
	// Not X-Forwarded-Host: a page's fetch may set that header (n8n's preflight allows any), not Host.
	const host = header(req, 'host');
	if (host && /^[A-Za-z0-9.[\]:-]+$/.test(host)) {
		origins.add(`https://${host}`);
		origins.add(`http://${host}`);
	}
	return [...origins];
}

/**
 * Access-Control-Allow-Origin as the ledger decided. n8n has already echoed any Origin before the
 * trigger runs (it reads CORS settings from a node parameter this trigger does not have), so an
 * origin that is not allowed gets that echo taken back: its page's script cannot read the answer.
 */
export function applyCors(res: ExpressLikeResponse & { removeHeader?(name: string): void }, allowOrigin: string | null): void {
	if (allowOrigin) res.setHeader('access-control-allow-origin', allowOrigin);
	else res.removeHeader?.('access-control-allow-origin');
}
