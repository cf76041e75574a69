import type { IWebhookResponseData } from 'n8n-workflow';

import type { Ledger } from '../../../ledger';
import { header, type ExpressLikeResponse, type IncomingRequest } from '../../shared/http';
import type { CaptureTriggerOptions } from '../options';
import { sendHostedForm } from './respond';

/** GET: the hosted form. Campaign parameters on its own URL ride along in hidden fields, JavaScript or not. */
export async function serveFormPage(ledger: Ledger, req: IncomingRequest, res: ExpressLikeResponse, options: CaptureTriggerOptions): Promise<IWebhookResponseData> {
	const form = await ledger.capture.formContext(options.launch, options.capture, { query: req.query ?? {}, referrer: header(req, 'referer') });
	sendHostedForm(res, 200, options, form);
	return { noWebhookResponse: true };
}
