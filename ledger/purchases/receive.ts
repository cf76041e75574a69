import { paymentLaunch } from '../checklist/routing';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import { processInboxEntry } from './apply';
import { bodyBytes } from '../refusals';
import { eventNamesForgotten, FORGOTTEN_DELIVERY, FORGOTTEN_PERSON, setAsideForgotten } from './forget';
import { finishInboxEntry, getInboxEntry, MAX_VERIFIED_BODY_BYTES, recordConfirmation, recordDelivery, validateLaunch, validateProvider, type RecordDeliveryResult, type SaleConfirmation } from './inbox';
import { normalizePurchaseEvent, parseWebhookBody, type PurchaseEvent } from './normalize';
import { verifyWebhook, type GenericHmacOptions, type HeaderBag, type PaymentProvider, type VerifyResult } from './verify';

/**
 * One webhook delivery from receipt to the next step. The trigger translates HTTP in and out; what to
 * answer, whether the sale must first be confirmed with the provider, and whether a run starts is
 * decided here, after the delivery is durable in the inbox.
 */

export interface ReceiveWebhookInput {
	launch: string;
	provider: PaymentProvider;
	rawBody: string | Buffer;
	headers: HeaderBag;
	/**
	 * The signing secret (Gumroad: the secret expected in the URL). Empty or null: the receiver has
	 * none, so nothing can be checked — the delivery is kept as not configured and answered 500, so
	 * the provider sends it again once the secret is filled in.
	 */
	secret: string | null;
	generic?: GenericHmacOptions;
	/** Gumroad: the secret found in the webhook URL's query. */
	urlSecret?: string;
	toleranceSeconds?: number;
	/** Gumroad: confirm each sale through the provider's API before a run may start (default true). */
	confirmSales?: boolean;
	/** The client address: refused deliveries are kept for the first few per provider and address, then counted. */
	remoteAddress?: string | null;
	now?: number;
}

/** What to answer the provider: an HTTP status and a JSON body. */
export interface DeliveryAnswer {
	status: number;
	body: Record<string, unknown>;
}

/** The run a delivery starts: its event, the inbox entry Purchase Match processes, the provider's payload. */
export interface DeliveryRun {
	launch: string;
	inboxId: string;
	event: PurchaseEvent;
	/** Gumroad sales: whether the provider's API confirmed the sale; null where none is needed (signed providers, refunds …). */
	confirmed: boolean | null;
	payload: Record<string, unknown>;
}

/**
 * What the receiver does next: answer and stop; confirm an unsigned sale through the provider's API,
 * then hand the outcome to `confirmSale`; or answer and start a run.
 */
export type DeliveryNextStep =
	| { step: 'answer'; answer: DeliveryAnswer }
	| { step: 'confirm'; inboxId: string; provider: PaymentProvider; sale: Record<string, unknown> }
	| { step: 'run'; answer: DeliveryAnswer; run: DeliveryRun };

export interface ReceiveWebhookResult extends RecordDeliveryResult {
	verification: VerifyResult;
	/** The normalized event, when the delivery verified and could be read. */
	event: PurchaseEvent | null;
	/** Why a verified delivery could not be read (not JSON, a field missing). */
	error: LedgerInputError | null;
	/**
	 * How the delivery was taken: 200 stored (or duplicate), 400 unreadable, 401 not verified, 500 not
	 * configured, 503 verified but over MAX_VERIFIED_BODY_BYTES (refused so the provider sends it again).
	 */
	httpStatus: 200 | 400 | 401 | 500 | 503;
	next: DeliveryNextStep;
}

const answer = (status: number, body: Record<string, unknown>): DeliveryNextStep & { step: 'answer' } => ({ step: 'answer', answer: { status, body } });

function run(launch: string, inboxId: string, event: PurchaseEvent, confirmed: boolean | null, payload: Record<string, unknown>): DeliveryNextStep & { step: 'run' } {
	return {
		step: 'run',
		answer: { status: 200, body: { ok: true, status: 'received', inboxId, eventId: event.eventId, type: event.type } },
		run: { launch, inboxId, event, confirmed, payload },
	};
}

/** Without its secret nothing can be checked: kept as refused (not configured) and answered 500, so it comes again. */
async function receiveUnconfigured(tx: SqlExecutor, input: ReceiveWebhookInput, provider: PaymentProvider): Promise<ReceiveWebhookResult> {
	const verification: VerifyResult = { ok: false, reason: 'not_configured' };
	const kept = await recordDelivery(tx, { launch: input.launch, provider, rawBody: input.rawBody, headers: input.headers, verification, remoteAddress: input.remoteAddress, receivedAt: input.now });
	const next = answer(500, {
		ok: false,
		status: 'not_configured',
		message: `The ${provider} secret is missing on this n8n's Purchase Webhook Trigger; fill in its credential. The delivery was recorded as refused and will be accepted when sent again.`,
		inboxId: kept.kept ? kept.id : null,
	});
	return { ...kept, verification, event: null, error: null, httpStatus: 500, next };
}

/**
 * A repeat is answered as a duplicate and starts nothing — except a Gumroad ping whose confirmation
 * is still pending (the provider could not be reached last time): its repeat is when to try again.
 */
async function awaitsConfirmation(tx: SqlExecutor, received: RecordDeliveryResult, confirmSales: boolean): Promise<boolean> {
	if (!confirmSales || received.status !== 'received') return false;
	return (await getInboxEntry(tx, received.id))?.confirmationPending === true;
}

/** A signed delivery too large to keep whole: refused with a status every provider retries, never acknowledged and then lost. */
function tooLargeAnswer(provider: PaymentProvider, bytes: number, inboxId: string): Record<string, unknown> {
	return {
		ok: false,
		status: 'retry_later',
		reason: 'too_large',
		message:
			`This signed ${provider} delivery is ${bytes} bytes; the ledger keeps payment events whole up to ${MAX_VERIFIED_BODY_BYTES} bytes. ` +
			'It was refused (not acknowledged), so the provider sends it again, and recorded as refused (too_large) for the launch monitor. ' +
			'No real payment event is this large: check what is configured to send to this webhook URL.',
		inboxId,
	};
}

async function nextStep(tx: SqlExecutor, input: ReceiveWebhookInput, received: Omit<ReceiveWebhookResult, 'next'>): Promise<DeliveryNextStep> {
	const { id: inboxId, verification, event, error } = received;
	const provider = input.provider;
	if (!verification.ok) return answer(401, { ok: false, status: 'rejected', reason: verification.reason, inboxId: received.kept ? inboxId : null });
	if (received.httpStatus === 503) return answer(503, tooLargeAnswer(provider, bodyBytes(input.rawBody), inboxId));
	if (error) return answer(400, { ok: false, status: 'rejected', reason: 'unreadable', message: error.message, inboxId });
	const confirmSales = provider === 'gumroad' && input.confirmSales !== false;
	if (received.duplicate && !(await awaitsConfirmation(tx, received, confirmSales))) {
		return answer(200, { ok: true, status: 'duplicate', inboxId, eventId: event?.eventId ?? null });
	}
	if (!event) return answer(400, { ok: false, status: 'rejected', reason: 'unreadable', inboxId });
	if (event.type === 'unknown') {
		// Recorded and closed as ignored: a type the pack does not act on starts no run.
		await processInboxEntry(tx, inboxId);
		return answer(200, { ok: true, status: 'ignored', reason: 'unknown_event_type', eventType: event.providerType, inboxId });
	}
	const payload = parseWebhookBody(provider, input.rawBody);
	if (provider === 'gumroad' && event.needsConfirmation) {
		if (confirmSales) return { step: 'confirm', inboxId, provider, sale: payload };
		return run(input.launch, inboxId, event, false, payload);
	}
	return run(input.launch, inboxId, event, null, payload);
}

/**
 * Who an unsigned or unreadable body names, read only to keep a forgotten person out of the inbox:
 * the provider's fields when the body reads as an event, else the first email-like text in it.
 */
function readableIdentities(provider: PaymentProvider, input: ReceiveWebhookInput): Pick<PurchaseEvent, 'checkoutToken' | 'customerId' | 'email'> {
	const text = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
	try {
		return normalizePurchaseEvent(provider, parseWebhookBody(provider, input.rawBody), { headers: input.headers });
	} catch {
		// Split on delimiters, then test each word: linear in the body, whatever a sender puts in it.
		const words = safeDecode(text.slice(0, 64 * 1024)).split(/[\s"'<>,;:=&?()[\]{}\\]+/);
		const email = words.find((w) => w.length <= 320 && /^[^@]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(w)) ?? null;
		return { checkoutToken: null, customerId: null, email };
	}
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

/** A signed delivery that names a forgotten person: closed on arrival, set aside for the desk, no run (so n8n never holds it). */
async function setAsideDelivery(tx: SqlExecutor, input: { launch: string; event: PurchaseEvent; inboxId: string; kind: string; now?: number }): Promise<DeliveryNextStep> {
	const source = `webhook:${input.event.provider}`;
	await setAsideForgotten(tx, { ...input, source, now: input.now ?? Date.now() });
	await finishInboxEntry(tx, input.inboxId, { status: 'ignored', contactId: null, decision: FORGOTTEN_PERSON });
	return answer(200, { ok: true, status: 'ignored', reason: FORGOTTEN_PERSON, inboxId: input.inboxId, eventId: input.event.eventId });
}

/** Verify, read, record, and decide the next step: everything a webhook does before it answers, in the caller's transaction. */
export async function receiveWebhook(tx: SqlExecutor, input: ReceiveWebhookInput): Promise<ReceiveWebhookResult> {
	const provider = validateProvider(input.provider);
	const receivingLaunch = validateLaunch(input.launch);
	if (!input.secret) return receiveUnconfigured(tx, { ...input, launch: receivingLaunch }, provider);
	const verification = verifyWebhook({
		provider,
		secret: input.secret,
		rawBody: input.rawBody,
		headers: input.headers,
		generic: input.generic,
		urlSecret: input.urlSecret,
		toleranceSeconds: input.toleranceSeconds,
		now: input.now,
	});
	let event: PurchaseEvent | null = null;
	let error: LedgerInputError | null = null;
	// Checked after the signature: only a signed body can be a payment that must not be lost.
	const tooLarge = verification.ok && bodyBytes(input.rawBody) > MAX_VERIFIED_BODY_BYTES;
	if (verification.ok && !tooLarge) {
		try {
			event = normalizePurchaseEvent(provider, parseWebhookBody(provider, input.rawBody), { headers: input.headers });
		} catch (e) {
			if (!(e instanceof LedgerInputError)) throw e;
			error = e;
		}
	}
	// A pre-launch checklist's test payment (its checkout token was made in a run's test launch) is kept there.
	const launch = await paymentLaunch(tx, receivingLaunch, event);
	// Any delivery, signed or not, that names a forgotten person is kept without its body.
	const forgottenKind = tooLarge ? null : await eventNamesForgotten(tx, launch, event ?? readableIdentities(provider, input));
	const kept = forgottenKind ? FORGOTTEN_DELIVERY : { rawBody: input.rawBody, headers: input.headers, remoteAddress: input.remoteAddress };
	const recorded = await recordDelivery(tx, {
		launch,
		provider,
		...kept,
		verification,
		eventId: event?.eventId ?? null,
		eventType: event?.providerType ?? null,
		rejectReason: tooLarge ? 'too_large' : error ? `unreadable: ${error.message}` : undefined,
		receivedAt: input.now,
	});
	const httpStatus = !verification.ok ? 401 : tooLarge ? 503 : error ? 400 : 200;
	const received = { ...recorded, verification, event, error, httpStatus } as const;
	if (forgottenKind && event && recorded.status === 'received' && !recorded.duplicate) {
		return { ...received, next: await setAsideDelivery(tx, { launch, event, inboxId: recorded.id, kind: forgottenKind, now: input.now }) };
	}
	return { ...received, next: await nextStep(tx, { ...input, launch, provider }, received) };
}

/**
 * Records what the provider's API said about a sale `receiveWebhook` asked to confirm, and the next
 * step: not confirmed for good → ignored (200, the provider need not repeat it); provider unreachable
 * → 503, the ping stays received and pending, and the provider's repeat tries again; confirmed → the
 * run, once: a sale another delivery already confirmed, or an entry no longer received, is a duplicate.
 */
export async function confirmSale(tx: SqlExecutor, inboxId: string, outcome: SaleConfirmation, now = Date.now()): Promise<Exclude<DeliveryNextStep, { step: 'confirm' }>> {
	const before = await getInboxEntry(tx, inboxId, { lock: true });
	if (!before) throw new LedgerInputError('inboxId', `no inbox entry has id "${inboxId}"`);
	const entry = await recordConfirmation(tx, inboxId, outcome, now);
	if (!outcome.confirmed) {
		if (outcome.final) return answer(200, { ok: true, status: 'ignored', reason: 'not_confirmed', message: outcome.reason, inboxId });
		// 503: Gumroad repeats the ping (hourly, up to 3 times) and the confirmation is tried again.
		return answer(503, { ok: false, status: 'retry_later', reason: 'confirmation_unavailable', message: outcome.reason, inboxId });
	}
	if (entry.status !== 'received' || before.confirmedAt !== null) return answer(200, { ok: true, status: 'duplicate', inboxId, eventId: entry.eventId });
	const payload = parseWebhookBody(entry.provider, entry.rawBody);
	const event = normalizePurchaseEvent(entry.provider, payload, { headers: entry.headers });
	return run(entry.launch, inboxId, event, true, payload);
}
