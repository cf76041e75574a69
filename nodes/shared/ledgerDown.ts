import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

import { renderMessagePage, sendPage, sendText, type PageResponse } from './page';

/*
 * The answer every public webhook of the pack gives while its ledger's database is down
 * (LedgerUnavailableError): 503 with Retry-After, so visitors' browsers, the snippet and payment
 * providers try again, and the pack's own words instead of n8n's "Workflow could not be started!"
 * with a stack trace. Nothing was written, so a retry is safe. The cause (which database, the
 * driver's error) stays in n8n's log for the creator, never in the answer.
 */

export const LEDGER_DOWN_RETRY_AFTER_SECONDS = 10;
export const LEDGER_DOWN_MESSAGE = 'Signups are paused for a moment while the list is unavailable. Nothing was saved; please try again in a moment.';

type Format = 'json' | 'html' | 'text';

/** What answering needs of n8n's (Express) response. */
interface DownResponse {
	status(code: number): unknown;
	setHeader(name: string, value: string): unknown;
	send(body: unknown): unknown;
}

/** Answers 503 in the caller's format; `message` replaces the visitor-facing sentence (e.g. for a payment provider). */
export function answerLedgerDown(response: DownResponse, format: Format, message = LEDGER_DOWN_MESSAGE): void {
	const res = response as PageResponse;
	const headers = { 'retry-after': String(LEDGER_DOWN_RETRY_AFTER_SECONDS) };
	if (format === 'html') {
		sendPage(res, 503, renderMessagePage('Please try again in a moment', [message]), headers);
	} else if (format === 'json') {
		sendText(res, 503, 'application/json; charset=utf-8', JSON.stringify({ ok: false, error: 'ledger_unavailable', message, retryAfterSeconds: LEDGER_DOWN_RETRY_AFTER_SECONDS }), headers);
	} else {
		sendText(res, 503, 'text/plain; charset=utf-8', `${message}\n`, headers);
	}
}

/** The cause, for the creator: n8n's log (the answer itself never carries it). */
export function logLedgerDown(ctx: { logger: { warn(message: string): void }; getNode(): { name: string } }, error: unknown): void {
	ctx.logger.warn(`${ctx.getNode().name}: answered 503, ${(error as Error).message}`);
}

/** Any other failure goes on to n8n as a node error (most already are one). */
export function asNodeError(node: INode, error: unknown): NodeOperationError | NodeApiError {
	return error instanceof NodeOperationError || error instanceof NodeApiError ? error : new NodeOperationError(node, error as Error);
}
