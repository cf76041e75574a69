import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { signingSecretProperty } from './signingSecret';

/**
 * For a checkout or payment tool not in the list that signs its webhooks with an HMAC: the secret and
 * how the signature is made (which header, which hash, hex or base64, over the body or timestamp.body).
 */
export class HmacWebhookSecretApi implements ICredentialType {
	name = 'hmacWebhookSecretApi';

	displayName = 'Generic HMAC Webhook Secret API';

	icon = { light: 'file:../nodes/PurchaseWebhookTrigger/purchase.svg', dark: 'file:../nodes/PurchaseWebhookTrigger/purchase.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#purchase-webhook-trigger';

	properties: INodeProperties[] = [
		signingSecretProperty({
			displayName: 'Secret',
			description: "The webhook signing secret from the sending tool's webhook settings",
		}),
		{
			displayName: 'Signature Header',
			name: 'header',
			type: 'string',
			default: 'X-Signature',
			required: true,
			description: 'The request header that carries the signature, e.g. X-Signature or X-Hub-Signature-256',
		},
		{
			displayName: 'Algorithm',
			name: 'algorithm',
			type: 'options',
			options: [
				{ name: 'HMAC-SHA256', value: 'sha256' },
				{ name: 'HMAC-SHA512', value: 'sha512' },
				{ name: 'HMAC-SHA1 (Older Tools Only)', value: 'sha1' },
			],
			default: 'sha256',
		},
		{
			displayName: 'Encoding',
			name: 'encoding',
			type: 'options',
			options: [
				{ name: 'Hex', value: 'hex', description: 'Like 5f2b9c… (0-9 and a-f)' },
				{ name: 'Base64', value: 'base64', description: 'Like Xyu9+Q…= (letters, digits, + / =)' },
			],
			default: 'hex',
		},
		{
			displayName: 'Prefix',
			name: 'prefix',
			type: 'string',
			default: '',
			placeholder: 'sha256=',
			description: 'Text in front of the signature in the header, e.g. "sha256=". Leave empty when the header holds only the signature.',
		},
		{
			displayName: 'What Is Signed',
			name: 'signed',
			type: 'options',
			options: [
				{ name: 'The Raw Body', value: 'body' },
				{
					name: 'Timestamp + "." + Raw Body',
					value: 'timestamp.body',
					description: 'The sender also sends the time in a header; deliveries older than the tolerance are refused',
				},
			],
			default: 'body',
		},
		{
			displayName: 'Timestamp Header',
			name: 'timestampHeader',
			type: 'string',
			default: 'X-Timestamp',
			required: true,
			description: 'The request header with the time of signing (Unix seconds), e.g. X-Timestamp',
			displayOptions: { show: { signed: ['timestamp.body'] } },
		},
	];
}
