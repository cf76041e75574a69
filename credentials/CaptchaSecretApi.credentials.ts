import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** The secret key of a Cloudflare Turnstile or hCaptcha site; the capture trigger checks each signup's CAPTCHA token with it. */
export class CaptchaSecretApi implements ICredentialType {
	name = 'captchaSecretApi';

	displayName = 'CAPTCHA Secret Key API';

	icon = { light: 'file:../nodes/WaitlistCaptureTrigger/capture.svg', dark: 'file:../nodes/WaitlistCaptureTrigger/capture.dark.svg' } as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#abuse-signals';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Cloudflare Turnstile: Cloudflare dashboard → Turnstile → your site → Settings → "Secret key". hCaptcha: dashboard → your profile → Settings → "Secret". Never put it on a web page; the site key goes in the Waitlist Capture Trigger.',
		},
	];
}
