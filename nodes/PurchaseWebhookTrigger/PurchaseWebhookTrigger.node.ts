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
		// 1 (the default): n8n leaves the body unread (the hidden "Raw Body" parameter), so every delivery
		// is verified over the bytes as sent and kept, malformed or compressed ones too. 1.1 saves n8n one
		// expression sandbox per request but n8n then parses the body first: a signed body that is not
		// JSON is answered 422 unkept, a gzip body is inflated before the check. Deliveries are few, so
		// the templates stay at 1 (README "Purchase Webhook Trigger").
		version: [1, 1.1],
		defaultVersion: 1,
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
		properties: [...storageProperties(1.1), ...purchaseTriggerProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest, purchaseWebhookSecretTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return receiveDelivery(this, await deliveryOptions(this));
	}
}
