import { NodeConnectionTypes, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { pathFromParameter } from '../shared/webhookPaths';
import { purchaseTriggerProperties } from './description';
import { receiveDelivery } from './handlers/delivery';
import { deliveryOptions } from './options';
import { purchaseWebhookSecretTest } from './secretTest';

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
			// Shown unless Storage is "Default" (nodes/shared/ledgerAccess.ts).
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } },
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
		properties: [...storageProperties(), ...purchaseTriggerProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest, purchaseWebhookSecretTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return receiveDelivery(this, await deliveryOptions(this));
	}
}
