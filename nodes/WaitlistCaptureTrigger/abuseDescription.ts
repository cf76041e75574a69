import type { INodeProperties } from 'n8n-workflow';

/**
 * The capture trigger's abuse-signal parameters: the optional CAPTCHA (top level, so its credential
 * can be shown only when one is chosen) and the "Abuse Signals" options. Signals flag a signup for the
 * review desk; they never refuse one (only a failed CAPTCHA may, when chosen).
 */
export const captchaProperties: INodeProperties[] = [
	{
		displayName: 'CAPTCHA',
		name: 'captcha',
		type: 'options',
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'Cloudflare Turnstile', value: 'turnstile' },
			{ name: 'hCaptcha', value: 'hcaptcha' },
		],
		default: 'none',
		description:
			'Check a CAPTCHA on every signup. The hosted form and the landing-page snippet show the widget; the trigger asks the provider whether its token is good. A failed check flags the signup (or refuses it, see Abuse Signals); when the provider cannot be reached the signup is kept and flagged.',
	},
	{
		displayName: 'CAPTCHA Site Key',
		name: 'captchaSiteKey',
		type: 'string',
		default: '',
		placeholder: '0x4AAAAAAA…',
		description: 'The public site key of your Turnstile or hCaptcha site; the widget on the form uses it. The secret key goes in the credential.',
		displayOptions: { show: { captcha: ['turnstile', 'hcaptcha'] } },
	},
];

export const abuseSignalProperties: INodeProperties = {
	displayName: 'Abuse Signals',
	name: 'abuse',
	type: 'collection',
	placeholder: 'Change Abuse Signals',
	default: {},
	description: 'Flag suspicious signups for the review desk (Flagged signups). A flagged signup is still saved and answered as usual.',
	options: [
		{
			displayName: 'Extra Disposable Domains',
			name: 'extraDisposableDomains',
			type: 'string',
			default: '',
			placeholder: 'throwaway.example, spam-mail.example',
			description: 'Domains to flag besides the list shipped with the pack, comma-separated. Addresses at a subdomain of one are flagged too.',
		},
		{
			displayName: 'Hold Flagged Signups From Sync',
			name: 'holdFlaggedSync',
			type: 'boolean',
			default: false,
			description: 'Whether a flagged signup waits for a person before it reaches your email platform and CRM. Clear on the review desk sends it; Confirm as Spam drops it.',
		},
		{
			displayName: 'If the CAPTCHA Fails',
			name: 'captchaFailure',
			type: 'options',
			options: [
				{ name: 'Flag the Signup', value: 'flag', description: 'Save it and list it under Flagged signups' },
				{ name: 'Refuse the Signup', value: 'refuse', description: 'Answer 400 "captchaToken" and show the form again' },
			],
			default: 'flag',
			description: 'What a missing or rejected CAPTCHA does. A provider outage never refuses anyone.',
		},
		{
			displayName: 'Never Flag These Domains',
			name: 'allowedDomains',
			type: 'string',
			default: '',
			placeholder: 'yopmail.com',
			description: 'Domains from the shipped disposable list that your audience really uses, comma-separated',
		},
		{
			displayName: 'Signups per Address Pattern',
			name: 'patternLimit',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100000 },
			default: 3,
			description: 'New signups with look-alike addresses (ada+1@, ada2@, a.da_3@ on one domain) within the window before the next ones are flagged. 0 turns it off.',
		},
		{
			displayName: 'Signups per Network',
			name: 'networkLimit',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100000 },
			default: 10,
			description: 'New signups from one network (the same /24 for IPv4, /64 for IPv6) within the window before the next ones are flagged. 0 turns it off.',
		},
		{
			displayName: 'Window (Minutes)',
			name: 'windowMinutes',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 1440 },
			default: 10,
			description: 'The time window the two limits count in',
		},
	],
};
