import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { ConfirmByTokenResult, Ledger } from '../../../ledger';
import type { ExpressLikeResponse, IncomingRequest } from '../http';
import type { CaptureTriggerOptions } from '../options';
import { renderConfirm } from '../page';
import { sendPage } from './respond';

export function isConfirmRequest(req: IncomingRequest): boolean {
	return (req.path ?? req.url ?? '').split('?')[0]!.endsWith('/confirm');
}

/** The confirmation page's address (`…/confirm` beside the hosted form); the ledger adds `?token=`. */
export function confirmPageUrl(ctx: IWebhookFunctions): string {
	return `${ctx.getNodeWebhookUrl('setup') ?? ''}/confirm`;
}

/** A tampered link is refused (400), an expired one is gone (410), a person no longer on the list is not found (404). */
const STATUS: Record<ConfirmByTokenResult['outcome'], number> = { confirmed: 200, already_confirmed: 200, not_required: 200, invalid: 400, expired: 410, unknown: 404 };

/** GET …/confirm?token=…: confirms the person the signed link names, once; every other case is a plain page saying what to do. */
export async function serveConfirmPage(_ctx: IWebhookFunctions, ledger: Ledger, req: IncomingRequest, res: ExpressLikeResponse, options: CaptureTriggerOptions): Promise<IWebhookResponseData> {
	const token = (req.query ?? {}).token;
	const result = await ledger.optin.confirmByToken({ launch: options.launch, token: Array.isArray(token) ? token[0] : token });
	sendPage(res, STATUS[result.outcome], renderConfirm(options.page.title, result.outcome));
	return { noWebhookResponse: true };
}
