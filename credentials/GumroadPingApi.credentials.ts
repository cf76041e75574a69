import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Gumroad pings are not signed. The trigger accepts them only with this secret in the URL, and
 * confirms each sale through Gumroad's API (GET /v2/sales/<id>) with the access token before it can
 * grant anything.
 */
export class GumroadPingApi implements ICredentialType {
	name = 'gumroadPingApi';

	displayName = 'Gumroad Ping API';

	icon = { light: 'file:../nodes/PurchaseWebhookTrigger/purchase.svg', dark: 'file:../nodes/PurchaseWebhookTrigger/purchase.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#purchase-webhook-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'URL Secret',
			name: 'urlSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A long random text you make up (e.g. from a password manager). Add it to the trigger\'s URL as ?secret=… and paste that whole URL into Gumroad: Settings → Advanced → Ping endpoint. Pings without it are refused.',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Used to confirm each sale with Gumroad before it counts as paid. In Gumroad: Settings → Advanced → Applications → create an application (any name, redirect URI http://localhost) → Generate access token.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
	};

	test: ICredentialTestRequest = {
		request: { baseURL: 'https://api.gumroad.com', url: '/v2/user' },
	};
}
