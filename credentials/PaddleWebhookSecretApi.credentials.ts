import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { signingSecretProperty } from './signingSecret';

/** The secret key of a Paddle Billing notification destination; the trigger checks Paddle-Signature with it. */
export class PaddleWebhookSecretApi implements ICredentialType {
	name = 'paddleWebhookSecretApi';

	displayName = 'Paddle Billing Notification Secret API';

	icon = { light: 'file:../nodes/PurchaseWebhookTrigger/purchase.svg', dark: 'file:../nodes/PurchaseWebhookTrigger/purchase.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#purchase-webhook-trigger';

	properties: INodeProperties[] = [
		signingSecretProperty({
			displayName: 'Secret Key',
			placeholder: 'pdl_ntfset_…',
			description:
				'In Paddle (Billing, not Classic): Developer Tools → Notifications → your destination (the URL of this trigger) → ⋯ → Edit destination → Secret key. Sandbox and live have different keys.',
		}),
	];
}
