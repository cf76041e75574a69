import { NodeOperationError, type IDataObject, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { isLedgerUnavailable, MAX_VERIFIED_BODY_BYTES, type DeliveryNextStep, type DeliveryRun, type Ledger } from '../../../ledger';
import { inflaterFor, readCapped } from '../../shared/bodyBytes';
import { webhookLedger } from '../../shared/ledgerAccess';
import { answerLedgerDown, asNodeError, logLedgerDown } from '../../shared/ledgerDown';
import { confirmGumroadSale } from '../gumroad';
import type { DeliveryOptions } from '../options';

interface ExpressLikeResponse {
	status(code: number): ExpressLikeResponse;
	json(body: unknown): unknown;
	setHeader(name: string, value: string): unknown;
	send(body: unknown): unknown;
}

interface IncomingRequest {
	headers: Record<string, string | string[] | undefined>;
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
	query?: Record<string, unknown>;
	ip?: string;
	socket?: { remoteAddress?: string };
}

/** To the provider while the ledger's database is down: 503 + Retry-After, so it sends the delivery again. */
const LEDGER_DOWN = 'The ledger is unavailable for a moment; this delivery was not stored. Send it again later.';

const LEDGER_UNREACHABLE =
	'The delivery could not be saved in the ledger, so it was answered 500 and the provider will send it again. Check the Waitlist Ledger credential and that its database is reachable.';

function firstString(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstString(value[0]);
	return typeof value === 'string' ? value : undefined;
}

/** A ledger call whose failure means the delivery was not kept: n8n answers 500 and the provider sends it again. */
async function kept<T>(ctx: IWebhookFunctions, call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), error as Error, { description: LEDGER_UNREACHABLE });
	}
}

/**
 * The run's item: the normalized purchase event at the top (for expressions like {{ $json.email }}),
 * the inbox entry it came from (Purchase Match processes that entry, once) and the provider's payload.
 */
function purchaseItem(run: DeliveryRun): IDataObject {
	return {
		launch: run.launch,
		inboxId: run.inboxId,
		...(run.event as unknown as IDataObject),
		// Gumroad sales: whether Gumroad's API confirmed the sale; null where no confirmation is needed (signed providers, refunds …).
		confirmed: run.confirmed,
		payload: run.payload as IDataObject,
	};
}

/** The ledger's next step, carried out: a sale to confirm is looked up at the provider, and its outcome decides. */
async function settled(ctx: IWebhookFunctions, ledger: Ledger, options: DeliveryOptions, next: DeliveryNextStep): Promise<Exclude<DeliveryNextStep, { step: 'confirm' }>> {
	if (next.step !== 'confirm') return next;
	const outcome = await confirmGumroadSale(ctx.helpers, options.accessToken, next.sale as IDataObject);
	return kept(ctx, () => ledger.purchases.confirmSale(next.inboxId, outcome));
}

/** POST: one payment webhook delivery. The ledger verifies, keeps and decides (purchases.receive); this answers. */
export async function receiveDelivery(ctx: IWebhookFunctions, options: DeliveryOptions): Promise<IWebhookResponseData> {
	const res = ctx.getResponseObject() as unknown as ExpressLikeResponse;
	try {
		return await deliver(ctx, res, options);
	} catch (error) {
		if (!isLedgerUnavailable(error)) throw asNodeError(ctx.getNode(), error);
		// The database is down: nothing was kept, so 503 asks the provider to send it again.
		logLedgerDown(ctx, error);
		answerLedgerDown(res, 'json', LEDGER_DOWN);
		return { noWebhookResponse: true };
	}
}

/** One byte past what the ledger keeps whole: enough for it to see a body is too large (503) without reading more. */
const MAX_READ_BYTES = MAX_VERIFIED_BODY_BYTES + 1;

/**
 * The exact bytes sent (signatures are over them, never a re-serialized body). A compressed body is
 * taken as it came, not inflated: no payment provider compresses its webhooks, and n8n's own reader
 * would inflate a 15 KB gzip post to 16 MB before anyone looked — or answer broken gzip with an
 * unrecorded 500. Its signature cannot match, so it is refused (401) and recorded like any other.
 */
async function deliveryBytes(req: IncomingRequest): Promise<Buffer> {
	if (!req.rawBody && inflaterFor(firstString(req.headers['content-encoding'])) !== null) {
		const read = await readCapped(req, MAX_READ_BYTES, null);
		if (read) return read.ok ? read.bytes : (read.prefix ?? Buffer.alloc(0));
	}
	if (!req.rawBody && req.readRawBody) await req.readRawBody();
	return req.rawBody ?? Buffer.alloc(0);
}

/**
 * n8n's body reader refuses a body over N8N_PAYLOAD_SIZE_MAX (16 MB by default) before a byte is
 * read: its size as declared, or null when it was not.
 */
function refusedByN8nReader(error: unknown): { bytes: number | null; limit: number } | null {
	const e = error as { type?: unknown; length?: unknown; limit?: unknown } | null;
	if (e?.type !== 'entity.too.large') return null;
	return { bytes: typeof e.length === 'number' ? e.length : null, limit: Number(e.limit) };
}

async function deliver(ctx: IWebhookFunctions, res: ExpressLikeResponse, options: DeliveryOptions): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject() as unknown as IncomingRequest;
	let rawBody: Buffer;
	try {
		rawBody = await deliveryBytes(req);
	} catch (error) {
		// Thrown on, it was n8n's 500 "Workflow could not be started!" and a failed execution per post.
		const tooLarge = refusedByN8nReader(error);
		if (!tooLarge) throw asNodeError(ctx.getNode(), error);
		const size = tooLarge.bytes === null ? `over ${tooLarge.limit} bytes` : `${tooLarge.bytes} bytes`;
		const message = `This delivery is ${size}; n8n reads at most ${tooLarge.limit} (N8N_PAYLOAD_SIZE_MAX), so nothing of it was read or stored. No payment provider sends webhooks this large.`;
		res.status(413).json({ ok: false, status: 'rejected', reason: 'too_large', message });
		return { noWebhookResponse: true };
	}
	const ledger = await webhookLedger(ctx, LEDGER_UNREACHABLE);
	const received = await kept(ctx, () =>
		ledger.purchases.receive({
			launch: options.launch,
			provider: options.provider,
			rawBody,
			headers: req.headers,
			secret: options.secret,
			generic: options.generic,
			urlSecret: options.provider === 'gumroad' ? firstString(req.query?.secret) : undefined,
			toleranceSeconds: options.toleranceSeconds,
			confirmSales: options.confirmSales,
			// Refused deliveries are capped per provider and client address (n8n's req.ip honours N8N_PROXY_HOPS).
			remoteAddress: req.ip ?? req.socket?.remoteAddress ?? null,
		}),
	);
	const next = await settled(ctx, ledger, options, received.next);
	res.status(next.answer.status).json(next.answer.body);
	if (next.step === 'answer') return { noWebhookResponse: true };
	return { noWebhookResponse: true, workflowData: [[{ json: purchaseItem(next.run) }]] };
}
