import {
	NodeConnectionTypes,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import {
	CONFIRMATION_PENDING,
	parseWebhookBody,
	type GenericHmacOptions,
	type HmacAlgorithm,
	type Ledger,
	type PaymentProvider,
	type PurchaseEvent,
	type ReceiveWebhookResult,
	type SaleConfirmation,
	type SignatureEncoding,
} from '../../ledger';
import { ledgerFor, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { DEFAULT_TOLERANCE, PROVIDER_CREDENTIALS, purchaseTriggerProperties } from './description';
import { confirmGumroadSale } from './gumroad';
import { purchaseWebhookSecretTest } from './secretTest';
import { pathFromParameter } from '../shared/webhookPaths';

interface ExpressLikeResponse {
	status(code: number): ExpressLikeResponse;
	json(body: unknown): unknown;
}

interface IncomingRequest {
	headers: Record<string, string | string[] | undefined>;
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
	query?: Record<string, unknown>;
}

/** What the trigger needs from the provider's credential. */
interface ProviderSecret {
	secret: string;
	generic?: GenericHmacOptions;
	/** Gumroad: the token that confirms sales through its API. */
	accessToken?: string;
}

const LEDGER_UNREACHABLE =
	'The delivery could not be saved in the ledger, so it was answered 500 and the provider will send it again. Check the Waitlist Ledger credential and that its database is reachable.';

const text = (data: ICredentialDataDecryptedObject, key: string): string => (typeof data[key] === 'string' ? (data[key] as string).trim() : '');

function providerSecret(provider: PaymentProvider, data: ICredentialDataDecryptedObject): ProviderSecret {
	if (provider === 'gumroad') return { secret: text(data, 'urlSecret'), accessToken: text(data, 'accessToken') };
	const secret = text(data, 'signingSecret');
	if (provider !== 'generic') return { secret };
	const signed = text(data, 'signed') === 'timestamp.body' ? 'timestamp.body' : 'body';
	return {
		secret,
		generic: {
			header: text(data, 'header') || 'X-Signature',
			algorithm: (text(data, 'algorithm') || 'sha256') as HmacAlgorithm,
			encoding: (text(data, 'encoding') || 'hex') as SignatureEncoding,
			prefix: typeof data.prefix === 'string' ? data.prefix : '',
			signed,
			timestampHeader: signed === 'timestamp.body' ? text(data, 'timestampHeader') || 'X-Timestamp' : undefined,
		},
	};
}

function firstString(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstString(value[0]);
	return typeof value === 'string' ? value : undefined;
}

export class PurchaseWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Purchase Webhook Trigger',
		name: 'purchaseWebhookTrigger',
		icon: { light: 'file:purchase.svg', dark: 'file:purchase.dark.svg' },
		group: ['trigger'],
		// Stays 1: n8n leaves the body unparsed only for a version-1 webhook node whose hidden
		// `options.binaryData` is set (the "Raw Body" parameter), which is how the trigger sees malformed
		// and oversized bodies to answer and record them. From 1.1 on n8n parses JSON itself and answers
		// a malformed body 422 before the trigger runs — nothing recorded.
		version: 1,
		subtitle: '={{$parameter["provider"] + " → /webhook/" + $parameter["path"]}}',
		description:
			'Receives payment webhooks (Stripe, Lemon Squeezy, Paddle, Shopify, Gumroad, generic HMAC), checks their signature and keeps each one in the ledger before answering; repeats are answered but not run again',
		defaults: { name: 'Purchase Webhook Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest' },
			// A signing secret's "Test" checks it is filled in and looks like the provider's (secretTest.ts);
			// Gumroad's credential tests its access token against Gumroad's API itself.
			{ name: 'stripeWebhookSecretApi', required: true, testedBy: 'purchaseWebhookSecretTest', displayOptions: { show: { provider: ['stripe'] } } },
			{ name: 'lemonSqueezyWebhookSecretApi', required: true, testedBy: 'purchaseWebhookSecretTest', displayOptions: { show: { provider: ['lemonsqueezy'] } } },
			{ name: 'paddleWebhookSecretApi', required: true, testedBy: 'purchaseWebhookSecretTest', displayOptions: { show: { provider: ['paddle'] } } },
			{ name: 'shopifyWebhookSecretApi', required: true, testedBy: 'purchaseWebhookSecretTest', displayOptions: { show: { provider: ['shopify'] } } },
			{ name: 'gumroadPingApi', required: true, displayOptions: { show: { provider: ['gumroad'] } } },
			{ name: 'hmacWebhookSecretApi', required: true, testedBy: 'purchaseWebhookSecretTest', displayOptions: { show: { provider: ['generic'] } } },
		],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true }],
		properties: purchaseTriggerProperties,
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest, purchaseWebhookSecretTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject() as unknown as ExpressLikeResponse;
		const req = this.getRequestObject() as unknown as IncomingRequest;
		const provider = this.getNodeParameter('provider', 'stripe') as PaymentProvider;
		const launch = String(this.getNodeParameter('launch', 'default') ?? '').trim() || 'default';
		const answer = (status: number, body: IDataObject): IWebhookResponseData => {
			res.status(status).json(body);
			return { noWebhookResponse: true };
		};

		if (!req.rawBody && req.readRawBody) await req.readRawBody();
		const rawBody = req.rawBody ?? Buffer.alloc(0);

		let ledger: Ledger;
		try {
			ledger = await ledgerFor(this);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, { description: LEDGER_UNREACHABLE });
		}

		// Without its secret nothing can be checked. The delivery is still kept (refused, with the
		// reason) and answered 500, so the provider sends it again once the credential is fixed.
		let configured: ProviderSecret | null = null;
		try {
			configured = providerSecret(provider, await this.getCredentials(PROVIDER_CREDENTIALS[provider]));
		} catch {
			configured = null;
		}
		if (!configured?.secret) {
			const kept = await ledger.purchases.recordDelivery({ launch, provider, rawBody, headers: req.headers, verification: { ok: false, reason: 'not_configured' } });
			return answer(500, {
				ok: false,
				status: 'not_configured',
				message: `The ${provider} secret is missing on this n8n's Purchase Webhook Trigger; fill in its credential. The delivery was kept and will be accepted when sent again.`,
				inboxId: kept.id,
			});
		}
		const { secret, generic, accessToken } = configured;

		const toleranceSeconds = DEFAULT_TOLERANCE[provider] === undefined ? undefined : (this.getNodeParameter('toleranceSeconds', DEFAULT_TOLERANCE[provider]) as number);

		let received: ReceiveWebhookResult;
		try {
			received = await ledger.purchases.receive({
				launch,
				provider,
				rawBody,
				headers: req.headers,
				secret,
				generic,
				urlSecret: provider === 'gumroad' ? firstString(req.query?.secret) : undefined,
				toleranceSeconds,
			});
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, { description: LEDGER_UNREACHABLE });
		}
		const inboxId = received.id;

		if (!received.verification.ok) {
			return answer(received.httpStatus, { ok: false, status: 'rejected', reason: received.verification.reason, inboxId });
		}
		if (received.error) {
			return answer(received.httpStatus, { ok: false, status: 'rejected', reason: 'unreadable', message: received.error.message, inboxId });
		}

		const confirmSale = provider === 'gumroad' && (this.getNodeParameter('confirmSale', true) as boolean);
		const event = received.event;
		if (received.duplicate) {
			// A Gumroad ping whose confirmation failed for a passing reason is tried again when Gumroad repeats it.
			const entry = confirmSale && received.status === 'received' ? await ledger.purchases.inboxEntry(inboxId) : null;
			const retryConfirmation = entry !== null && entry.confirmedAt === null && (entry.lastError ?? '').startsWith(CONFIRMATION_PENDING);
			if (!retryConfirmation) return answer(200, { ok: true, status: 'duplicate', inboxId, eventId: event?.eventId ?? null });
		}
		if (!event) return answer(400, { ok: false, status: 'rejected', reason: 'unreadable', inboxId });

		if (event.type === 'unknown') {
			// Recorded and closed as ignored: a type the pack does not act on starts no run.
			await ledger.purchases.process(inboxId);
			return answer(200, { ok: true, status: 'ignored', reason: 'unknown_event_type', eventType: event.providerType, inboxId });
		}

		let confirmed: boolean | null = null;
		if (provider === 'gumroad' && event.needsConfirmation) {
			confirmed = false;
			if (confirmSale) {
				// No token is a passing problem like Gumroad being down: the ping waits for Gumroad's repeat.
				const outcome: SaleConfirmation = accessToken
					? await confirmGumroadSale(this.helpers, accessToken, parseWebhookBody(provider, rawBody) as IDataObject)
					: { confirmed: false, final: false, reason: 'the Gumroad Ping credential has no Access Token; add it (Gumroad → Settings → Advanced → Applications)' };
				await ledger.purchases.recordConfirmation(inboxId, outcome);
				if (!outcome.confirmed) {
					if (outcome.final) return answer(200, { ok: true, status: 'ignored', reason: 'not_confirmed', message: outcome.reason, inboxId });
					// 503: Gumroad repeats the ping (hourly, up to 3 times) and the confirmation is tried again.
					return answer(503, { ok: false, status: 'retry_later', reason: 'confirmation_unavailable', message: outcome.reason, inboxId });
				}
				confirmed = true;
			}
		}

		res.status(200).json({ ok: true, status: 'received', inboxId, eventId: event.eventId, type: event.type });
		return { noWebhookResponse: true, workflowData: [[{ json: purchaseItem(launch, inboxId, event, confirmed, rawBody, provider) }]] };
	}
}

/**
 * The run's item: the normalized purchase event at the top (for expressions like {{ $json.email }}),
 * the inbox entry it came from (Purchase Match processes that entry, once) and the provider's payload.
 */
function purchaseItem(launch: string, inboxId: string, event: PurchaseEvent, confirmed: boolean | null, rawBody: Buffer, provider: PaymentProvider): IDataObject {
	return {
		launch,
		inboxId,
		...(event as unknown as IDataObject),
		// Gumroad sales: whether Gumroad's API confirmed the sale; null where no confirmation is needed (signed providers, refunds …).
		confirmed,
		payload: parseWebhookBody(provider, rawBody) as IDataObject,
	};
}
