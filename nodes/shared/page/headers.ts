import { randomBytes } from 'node:crypto';

/**
 * Response headers of the pack's own pages. The Content-Security-Policy allows nothing by default:
 * styles only from the page's one <style> element carrying this response's nonce, no scripts at
 * all, images only from the page itself or data: URLs (inline SVG needs no source), forms only
 * back to n8n, and no framing — so a value that slipped past escaping still could not run or load
 * anything.
 */

/** A fresh nonce per response, for the page's <style> element. */
export function newNonce(): string {
	return randomBytes(16).toString('base64');
}

export interface PageSecurityOptions {
	nonce: string;
	/** Where forms may post besides n8n itself ('self'), e.g. a thank-you page's origin. */
	formActions?: string[];
}

export function pageSecurityHeaders({ nonce, formActions = [] }: PageSecurityOptions): Record<string, string> {
	return {
		'content-type': 'text/html; charset=utf-8',
		'content-security-policy': [
			"default-src 'none'",
			`style-src 'nonce-${nonce}'`,
			"img-src 'self' data:",
			`form-action ${["'self'", ...formActions].join(' ')}`,
			"base-uri 'none'",
			"frame-ancestors 'none'",
		].join('; '),
		...PRIVATE_RESPONSE_HEADERS,
	};
}

/** For every answer that carries a launch's data (pages, JSON, metrics, CSV): never cached, never sniffed. */
export const PRIVATE_RESPONSE_HEADERS: Record<string, string> = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'cache-control': 'no-store',
};
