import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { signingSecretProperty } from './signingSecret';

/** The key Shopify signs webhooks with; the trigger checks X-Shopify-Hmac-Sha256 with it. */
export class ShopifyWebhookSecretApi implements ICredentialType {
	name = 'shopifyWebhookSecretApi';

	displayName = 'Shopify Webhook Secret API';

	icon = { light: 'file:../nodes/PurchaseWebhookTrigger/purchase.svg', dark: 'file:../nodes/PurchaseWebhookTrigger/purchase.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#purchase-webhook-trigger';

	properties: INodeProperties[] = [
		signingSecretProperty({
			displayName: 'Webhook Secret',
			description:
				'Webhook made in the store admin (Settings → Notifications → Webhooks): the key shown under the list, "Your webhooks will be signed with …". Webhook made by an app: the app\'s Client secret (Partner Dashboard or Dev Dashboard → your app → Settings / API credentials).',
		}),
	];
}
