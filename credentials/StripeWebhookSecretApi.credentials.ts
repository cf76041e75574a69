import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { signingSecretProperty } from './signingSecret';

/** The signing secret of one Stripe webhook endpoint (whsec_…); the Purchase Webhook Trigger checks Stripe-Signature with it. */
export class StripeWebhookSecretApi implements ICredentialType {
	name = 'stripeWebhookSecretApi';

	displayName = 'Stripe Webhook Signing Secret API';

	icon = { light: 'file:../nodes/PurchaseWebhookTrigger/purchase.svg', dark: 'file:../nodes/PurchaseWebhookTrigger/purchase.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#purchase-webhook-trigger';

	properties: INodeProperties[] = [
		signingSecretProperty({
			displayName: 'Signing Secret',
			placeholder: 'whsec_…',
			description:
				'In the Stripe Dashboard: Developers → Webhooks → your endpoint (the URL of this trigger) → Signing secret → Reveal. It starts with whsec_. Each endpoint has its own secret; test mode and live mode differ.',
		}),
	];
}
