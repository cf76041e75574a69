import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { ConfirmByTokenResult, ConfirmLinkCheck, Ledger } from '../../../ledger';
import type { ExpressLikeResponse, IncomingRequest } from '../../shared/http';
import type { CaptureTriggerOptions } from '../options';
import { readSignupBody } from '../../shared/http';
import { renderConfirm, renderConfirmAsk } from '../page';
import { sendPage } from './respond';

export function isConfirmRequest(req: IncomingRequest): boolean {
	return (req.path ?? req.url ?? '').split('?')[0]!.endsWith('/confirm');
}

/** The confirmation page's address (`…/confirm` beside the hosted form); the ledger adds `?token=`. */
export function confirmPageUrl(ctx: IWebhookFunctions): string {
	return `${ctx.getNodeWebhookUrl('setup') ?? ''}/confirm`;
}

/** A tampered link is refused (400), an expired one is gone (410), a person no longer on the list is not found (404). */
const STATUS: Record<ConfirmLinkCheck['outcome'] | ConfirmByTokenResult['outcome'], number> = { ready: 200, confirmed: 200, already_confirmed: 200, not_required: 200, invalid: 400, expired: 410, unknown: 404 };

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

/**
 * GET …/confirm?token=…: the link in the confirmation email. It confirms nothing by itself — mail
 * scanners open every link in an email — it shows a Confirm button (POST to the same address) while
 * the address is unconfirmed, and otherwise a plain page saying where things stand or what to do.
 * POST …/confirm: the button; confirms the person the token names, once.
 */
export async function serveConfirmPage(_ctx: IWebhookFunctions, ledger: Ledger, req: IncomingRequest, res: ExpressLikeResponse, options: CaptureTriggerOptions): Promise<IWebhookResponseData> {
	const queryToken = first((req.query ?? {}).token);
	if ((req.method ?? 'GET').toUpperCase() !== 'POST') {
		const check = await ledger.optin.checkConfirmLink({ launch: options.launch, token: queryToken });
		const ask = check.outcome === 'ready' && typeof queryToken === 'string';
		sendPage(res, STATUS[check.outcome], ask ? renderConfirmAsk(options.page.title, queryToken) : renderConfirm(options.page.title, check.outcome as ConfirmByTokenResult['outcome']));
		return { noWebhookResponse: true };
	}
	// The button posts the token as a form field; a token only in the query string works too.
	const body = await readSignupBody(req, 4096);
	const token = (body.ok ? first(body.fields.token) : undefined) ?? queryToken;
	const result = await ledger.optin.confirmByToken({ launch: options.launch, token });
	sendPage(res, STATUS[result.outcome], renderConfirm(options.page.title, result.outcome));
	return { noWebhookResponse: true };
}
