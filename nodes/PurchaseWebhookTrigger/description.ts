import type { INodeProperties } from 'n8n-workflow';

import type { PaymentProvider } from '../../ledger';
import { rawBodyProperty, webhookPathProperty } from '../shared/webhookPaths';

/** The credential that holds each provider's secret. */
export const PROVIDER_CREDENTIALS: Record<PaymentProvider, string> = {
	stripe: 'stripeWebhookSecretApi',
	lemonsqueezy: 'lemonSqueezyWebhookSecretApi',
	paddle: 'paddleWebhookSecretApi',
	shopify: 'shopifyWebhookSecretApi',
	gumroad: 'gumroadPingApi',
	generic: 'hmacWebhookSecretApi',
};

/** Seconds a signed timestamp may be off, per provider that signs the time. */
export const DEFAULT_TOLERANCE: Partial<Record<PaymentProvider, number>> = { stripe: 300, paddle: 5, generic: 300 };

export const purchaseTriggerProperties: INodeProperties[] = [
	rawBodyProperty,
	webhookPathProperty(
		'purchases',
		'The end of the webhook URL to paste into the payment provider, e.g. "stripe-purchases" gives https://your-n8n/webhook/stripe-purchases. Use one trigger (and path) per provider.',
	),
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Generic HMAC', value: 'generic', description: "Any tool that signs with an HMAC and posts the pack's purchase event shape" },
			{ name: 'Gumroad', value: 'gumroad', description: 'Gumroad Ping: a secret in the URL, each sale confirmed through the Gumroad API' },
			{ name: 'Lemon Squeezy', value: 'lemonsqueezy', description: 'Orders, refunds and subscriptions, checked with X-Signature' },
			{ name: 'Paddle Billing', value: 'paddle', description: 'Transactions and adjustments (not Paddle Classic), checked with Paddle-Signature' },
			{ name: 'Shopify', value: 'shopify', description: 'Order and refund webhooks, checked with X-Shopify-Hmac-Sha256' },
			{ name: 'Stripe', value: 'stripe', description: 'Checkout, payments, refunds and disputes, checked with Stripe-Signature' },
		],
		default: 'stripe',
	},
	{
		displayName: 'Launch',
		name: 'launch',
		type: 'string',
		default: 'default',
		description: 'Which launch these purchases belong to, e.g. "spring-course-2027". One ledger can hold several launches.',
	},
	{
		displayName: 'Timestamp Tolerance (Seconds)',
		name: 'toleranceSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 300,
		description: 'How old a signed delivery may be before it is refused as a possible replay. Stripe recommends 300 (5 minutes).',
		displayOptions: { show: { provider: ['stripe'] } },
	},
	{
		displayName: 'Timestamp Tolerance (Seconds)',
		name: 'toleranceSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 5,
		description:
			"How old a signed delivery may be before it is refused as a possible replay. Paddle's own libraries allow 5; raise it if this server's clock may be off.",
		displayOptions: { show: { provider: ['paddle'] } },
	},
	{
		displayName: 'Timestamp Tolerance (Seconds)',
		name: 'toleranceSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 300,
		description: 'How old a signed delivery may be before it is refused as a possible replay. Used when the credential says the timestamp is signed.',
		displayOptions: { show: { provider: ['generic'] } },
	},
	{
		displayName: 'Confirm Each Sale With Gumroad',
		name: 'confirmSale',
		type: 'boolean',
		default: true,
		description:
			"Whether to look each sale up through Gumroad's API before it counts as paid. Gumroad pings are not signed, so only a confirmed sale can grant access. Turn off only to watch Gumroad's test pings flow through: unconfirmed sales never grant.",
		displayOptions: { show: { provider: ['gumroad'] } },
	},
	{
		displayName:
			'Gumroad: add <code>?secret=</code> followed by the URL Secret of the credential to the end of the production URL, and paste that whole URL into Gumroad (Settings → Advanced → Ping endpoint).',
		name: 'gumroadNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { provider: ['gumroad'] } },
	},
];
