import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { signingSecretProperty } from './signingSecret';

/** The signing secret typed into a Lemon Squeezy webhook; the trigger checks X-Signature with it. */
export class LemonSqueezyWebhookSecretApi implements ICredentialType {
	name = 'lemonSqueezyWebhookSecretApi';

	displayName = 'Lemon Squeezy Webhook Signing Secret API';

	icon = { light: 'file:../nodes/PurchaseWebhookTrigger/purchase.svg', dark: 'file:../nodes/PurchaseWebhookTrigger/purchase.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#purchase-webhook-trigger';

	properties: INodeProperties[] = [
		signingSecretProperty({
			displayName: 'Signing Secret',
			description:
				'In Lemon Squeezy: Settings → Webhooks → your webhook (the URL of this trigger) → "Signing secret". You choose it yourself when you create the webhook (6 to 40 characters); paste the same text here.',
		}),
	];
}
