import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

/**
 * The "Test" button of the signing-secret credentials. A signing secret cannot be tried against the
 * provider (only the provider signs), so this checks what can be checked: it is filled in, looks like
 * the provider's (a Stripe secret starts with whsec_), and the generic HMAC settings fit together.
 */
export async function purchaseWebhookSecretTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const secret = typeof data.signingSecret === 'string' ? data.signingSecret.trim() : '';
	if (!secret) return { status: 'Error', message: 'The secret is empty: paste it from the webhook settings of the provider' };
	if (secret !== data.signingSecret) return { status: 'Error', message: 'The secret has spaces or line breaks at its start or end; paste it again without them' };
	if (credential.type === 'stripeWebhookSecretApi' && !secret.startsWith('whsec_')) {
		return { status: 'Error', message: 'A Stripe webhook signing secret starts with whsec_ (the API keys sk_… and pk_… are different things)' };
	}
	if (credential.type === 'hmacWebhookSecretApi') {
		const header = typeof data.header === 'string' ? data.header.trim() : '';
		if (!/^[A-Za-z0-9-]+$/.test(header)) return { status: 'Error', message: `Signature Header "${header}" is not a header name, e.g. X-Signature` };
		const timestampHeader = typeof data.timestampHeader === 'string' ? data.timestampHeader.trim() : '';
		if (data.signed === 'timestamp.body' && !/^[A-Za-z0-9-]+$/.test(timestampHeader)) {
			return { status: 'Error', message: `Timestamp Header "${timestampHeader}" is not a header name, e.g. X-Timestamp` };
		}
	}
	return { status: 'OK', message: 'The secret is filled in. Send a test event from the provider to check it matches.' };
}
