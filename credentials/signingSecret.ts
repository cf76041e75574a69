import type { INodeProperties } from 'n8n-workflow';

/*
 * Not a credential: the signing-secret property the payment providers' webhook-secret credentials
 * share (package.json's "n8n.credentials" lists only the *.credentials.js files).
 */

/** The secret a provider signs its webhooks with, stored as `signingSecret`; each provider says where to find it. */
export function signingSecretProperty(texts: { displayName: string; description: string; placeholder?: string }): INodeProperties {
	return {
		displayName: texts.displayName,
		name: 'signingSecret',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		...(texts.placeholder ? { placeholder: texts.placeholder } : {}),
		description: texts.description,
	};
}
