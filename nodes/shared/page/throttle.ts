import type { IWebhookFunctions } from 'n8n-workflow';

import type { Ledger } from '../../../ledger';
import { checkPageAccess, type PageAccess } from './access';
import { renderMessagePage } from './layout';

/**
 * The credential check with the ledger's throttle (ledger/pages/sign-in.ts): every presented
 * credential, right or wrong, is one sign-in attempt for (launch, page, client address). After a
 * few wrong ones in a row the address waits — 429 with Retry-After, doubling — and the right
 * password is refused too until the wait is over, so guessing gets no faster by sending more.
 * A bare request (no credential yet: the browser has not asked for one) is not an attempt.
 */

interface ClientRequest {
	ip?: string;
	socket?: { remoteAddress?: string };
}

/** The client's address as n8n's Express sees it (n8n's N8N_PROXY_HOPS decides whether X-Forwarded-For counts). */
export function clientAddress(req: ClientRequest): string {
	return (req.ip ?? req.socket?.remoteAddress ?? '').replace(/^::ffff:/, '') || 'unknown';
}

export async function checkThrottledPageAccess(
	ctx: IWebhookFunctions,
	options: { realm: string; nodeName: string; launch: string; page: string; ledger: () => Promise<Ledger> },
): Promise<PageAccess> {
	const access = await checkPageAccess(ctx, options);
	if (!access.ok && access.status !== 401) return access; // locked (403): nothing to guess at
	if (!access.ok && !access.presented) return access;
	let decision;
	try {
		decision = await (await options.ledger()).pages.signIn({
			launch: options.launch,
			page: options.page,
			address: clientAddress(ctx.getRequestObject() as unknown as ClientRequest),
			ok: access.ok,
			userName: access.user,
		});
	} catch (error) {
		// Closed, not open: without the count a guesser would be unlimited.
		const message = `Sign-in attempts could not be counted, so nobody is let in right now: ${(error as Error).message}`;
		const next = 'Check the Waitlist Ledger credential on this node and that its database is reachable, then reload.';
		return { ok: false, status: 503, message: `${message} ${next}`, headers: { 'retry-after': '30' }, page: renderMessagePage('Please try again in a moment', [message, next]) };
	}
	if (decision.allowed) return access;
	if (decision.status === 401 && !access.ok) return access;
	const wait = decision.retryAfterSeconds ?? 1;
	const message = `Too many wrong passwords from your address (${decision.failures} in a row). Wait ${waitText(wait)}, then sign in again; every further wrong password doubles the wait.`;
	return {
		ok: false,
		status: 429,
		presented: true,
		message,
		headers: { 'retry-after': String(wait) },
		page: renderMessagePage('Please wait before trying again', [message, 'If you forgot the password, ask whoever set up this workflow in n8n: it is the Basic Auth credential on this page\'s trigger.']),
	};
}

function waitText(seconds: number): string {
	if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
	return `${Math.ceil(seconds / 60)} minutes`;
}
