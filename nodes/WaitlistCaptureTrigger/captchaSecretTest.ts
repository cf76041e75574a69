import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

/**
 * The "Test" button of the CAPTCHA Secret Key credential. The credential does not say which provider
 * it is for (the trigger does), and a secret is only proven by a real token, so this checks what can
 * be checked: filled in, pasted without spaces around it.
 */
export async function captchaSecretTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const raw = credential.data?.secretKey;
	const secret = typeof raw === 'string' ? raw.trim() : '';
	if (!secret) return { status: 'Error', message: 'The secret key is empty: paste it from your Turnstile or hCaptcha settings' };
	if (secret !== raw) return { status: 'Error', message: 'The secret key has spaces or line breaks at its start or end; paste it again without them' };
	return { status: 'OK', message: 'The secret key is filled in. Send one signup through the form to check it: a wrong key shows as "CAPTCHA not passed (invalid-input-secret)" under Flagged signups.' };
}
