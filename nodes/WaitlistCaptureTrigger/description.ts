import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_PAID_MEDIUMS } from '../../ledger';
import { rawBodyProperty, webhookPathProperty } from '../shared/webhookPaths';
import { abuseSignalProperties, captchaProperties } from './abuseDescription';

export const captureProperties: INodeProperties[] = [
	rawBodyProperty,
	webhookPathProperty(
		'waitlist-signup',
		'The end of the signup URL, e.g. "waitlist-signup" gives https://your-n8n/webhook/waitlist-signup. The same URL shows the hosted form in a browser; add /snippet.js for the landing-page script.',
	),
	{
		displayName:
			'A form or the landing-page snippet on your own site is accepted once that site is listed in Options → Allowed Origins (CORS), e.g. https://example.com. Until then only the hosted form at this URL is.',
		name: 'originsNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Launch',
		name: 'launch',
		type: 'string',
		default: 'default',
		description: 'Which launch these signups belong to, e.g. "spring-course-2027". One ledger can hold several launches.',
	},
	{
		displayName: 'After Signup',
		name: 'respondWith',
		type: 'options',
		options: [
			{
				name: 'Automatic',
				value: 'auto',
				description: 'Browsers posting a form get the thank-you page (or your thank-you URL); apps get JSON',
			},
			{ name: 'JSON', value: 'json', description: 'Always answer JSON: 201 when saved (new or already on the list, alike unless Answer with Contact Details is on), 4xx with details' },
			{ name: 'Redirect to Thank-You URL', value: 'redirect', description: 'Always answer 303 to your thank-you URL, keeping the UTMs' },
		],
		default: 'auto',
	},
	{
		displayName: 'Thank-You URL',
		name: 'thankYouUrl',
		type: 'string',
		default: '',
		placeholder: 'https://example.com/thanks',
		description: 'Where to send people after they sign up. Leave empty to show the hosted thank-you message instead.',
		displayOptions: { show: { respondWith: ['auto', 'redirect'] } },
	},
	{
		displayName: 'Thank-You Message',
		name: 'thankYouMessage',
		type: 'string',
		default: "Thanks! You're on the list. Watch your inbox for launch news.",
		displayOptions: { show: { respondWith: ['auto'] } },
	},
	{
		displayName: 'Spike Mode',
		name: 'spikeMode',
		type: 'boolean',
		default: false,
		description:
			'Whether to answer right after the signup is saved, without starting a workflow run for it. Use during a launch spike: the ESP and CRM syncs wait in the outbox and the outbox-drain template sends them in batches.',
	},
	...captchaProperties,
	{
		displayName: 'Hosted Form',
		name: 'form',
		type: 'collection',
		placeholder: 'Change the Hosted Form',
		default: {},
		options: [
			{
				displayName: 'Ask for First Name',
				name: 'askFirstName',
				type: 'boolean',
				default: true,
				description: 'Whether the form has an optional "First name" field',
			},
			{
				displayName: 'Ask for Phone',
				name: 'askPhone',
				type: 'boolean',
				default: false,
				description: 'Whether the form has a phone field (required when the launch is keyed by phone)',
			},
			{ displayName: 'Button Label', name: 'submitLabel', type: 'string', default: 'Join the waitlist' },
			{
				displayName: 'Consent Checkbox Text',
				name: 'consentText',
				type: 'string',
				default: 'Yes, email me about the launch. I can unsubscribe at any time.',
				description: 'Leave empty for no consent checkbox',
			},
			{
				displayName: 'Consent Required',
				name: 'consentRequired',
				type: 'boolean',
				default: false,
				description: 'Whether people must tick the consent box to sign up',
			},
			{ displayName: 'Intro Text', name: 'intro', type: 'string', default: 'Be the first to know when doors open.' },
			{ displayName: 'Title', name: 'title', type: 'string', default: 'Join the waitlist' },
		],
	},
	{
		displayName: 'Options',
		name: 'settings',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Allowed Origins (CORS)',
				name: 'allowedOrigins',
				type: 'string',
				default: '',
				placeholder: 'https://example.com, https://www.example.com',
				description:
					'The landing-page sites where you paste the snippet or your own form, comma-separated, e.g. "https://example.com, https://www.example.com". Empty: only the hosted form (this signup URL) is accepted from a browser; posts from other sites are refused 403 and listed under rejections. * allows any site.',
			},
			{
				displayName: 'Answer with Contact Details',
				name: 'answerWithContactDetails',
				type: 'boolean',
				default: false,
				description:
					'Whether to answer 201 for a new signup and 200 with "already_subscribed" and the contact ID for someone already on the list. Off: every accepted signup gets the same 201 answer, so nobody learns who is on your list by posting an address. Turn on only for your own integrations calling this URL; anyone who can reach the URL then can learn whether an address is on the list.',
			},
			{
				displayName: 'Attribution Without Consent',
				name: 'attributionWithoutConsent',
				type: 'options',
				options: [
					{ name: 'Keep Click IDs as Sent, Sites of URLs', value: 'raw' },
					{ name: 'Keep Click IDs Hashed, Sites of URLs', value: 'hashed' },
					{ name: 'Keep Only Campaign Names', value: 'drop' },
				],
				default: 'hashed',
				description:
					'What the ledger keeps of click IDs (gclid, fbclid …), referrer and landing URL when the person did not tick the consent box. Referrer and landing URL keep only their site (https://example.com), never the page or its query string. Campaign names (utm_*) are kept unless they hold an email address or a link.',
			},
			{
				displayName: 'Confirmation Link Valid (Days)',
				name: 'confirmLinkDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 7,
				description: 'With Double Opt-In: how long the link in the confirmation email works. After that it says so, and signing up again sends a new one.',
			},
			{
				displayName: 'Cookie Consent',
				name: 'consentMode',
				type: 'options',
				options: [
					{ name: 'Always Remember', value: 'always', description: 'Write the cookie on arrival' },
					{ name: 'After the Consent Checkbox Is Ticked', value: 'checkbox' },
					{ name: 'After My Consent Banner Says Yes', value: 'cmp', description: 'Your banner calls window.waitlistLedger.grantConsent()' },
					{ name: 'Never', value: 'never', description: 'Nothing is written to the browser' },
				],
				default: 'checkbox',
				description: 'When the landing-page snippet may write its first-party cookie',
			},
			{
				displayName: 'Cookie Days',
				name: 'cookieDays',
				type: 'number',
				default: 30,
				description: 'How long the landing-page snippet remembers campaign parameters (only with consent)',
			},
			{
				displayName: 'Double Opt-In',
				name: 'doubleOptIn',
				type: 'options',
				options: [
					{ name: 'Off', value: 'off', description: 'Every signup counts at once' },
					{
						name: 'On: n8n Sends the Confirmation Email',
						value: 'n8n',
						description: 'A Send Email node after this trigger mails the link in the signup\'s optin.confirmLink field',
					},
					{
						name: 'On: My Email Platform Sends It',
						value: 'esp',
						description: "Your ESP's own double opt-in (e.g. a Kit form with \"Send incentive email\" on) mails the person; tell the ledger when they confirm with Waitlist Contact → Confirm Opt-In",
					},
				],
				default: 'off',
				description:
					'Whether a new person must confirm their address by clicking a link in an email before they count. Until they do, the Kit / HubSpot syncs wait and a referral that brought them does not move their friend up. Example: with "n8n sends", ada@example.com gets "Confirm your signup" with a link to …/confirm; her syncs go out when she clicks it.',
			},
			{
				displayName: 'Honeypot Field',
				name: 'honeypotField',
				type: 'string',
				default: 'website',
				description: 'A hidden field people never see; signups that fill it are refused as bots. Empty turns it off.',
			},
			{
				displayName: 'Landing Page for Referral Links',
				name: 'referralLinkBase',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://example.com/waitlist',
				description:
					'Where a person\'s referral link sends their friends: this address with ?ref=THEIR-CODE. Leave empty to use the page the form was on (the hosted form\'s own address for the hosted form).',
			},
			{
				displayName: 'Max Body Size (KB)',
				name: 'maxBodyKb',
				type: 'number',
				default: 64,
				description: 'Larger requests are refused with 413',
			},
			{
				displayName: 'Minimum Seconds to Submit',
				name: 'minSeconds',
				type: 'number',
				default: 2,
				description: 'Forms sent faster than this after they were shown are refused as bots. 0 turns it off.',
			},
			{
				displayName: 'Paid Mediums',
				name: 'paidMediums',
				type: 'string',
				default: DEFAULT_PAID_MEDIUMS.join(', '),
				description: 'Values of utm_medium that mean paid traffic; such signups must also carry utm_source',
			},
			{
				displayName: 'Require Source for Paid Traffic',
				name: 'requireSourceForPaid',
				type: 'boolean',
				default: true,
				description: 'Whether a signup with a paid utm_medium but no utm_source is refused with a clear message',
			},
			{
				displayName: 'Show Leaderboard on Status Page',
				name: 'showLeaderboard',
				type: 'boolean',
				default: false,
				description:
					'Whether each person\'s status page also lists the top 10 referrers, by first name and last-name initial and how many friends joined through them (e.g. "Ada L. — 12"). Nothing else about other people is shown; people without a first name show as "Someone".',
			},
			{
				displayName: 'Show Place in Line',
				name: 'showPlaceInLine',
				type: 'boolean',
				default: true,
				description:
					'Whether the hosted thank-you page shows a new signup their place in line, their referral link and a link to their status page. Someone posting an address already on the list is told only that it is on the list, never its place or links.',
			},
			{
				displayName: 'Sync To',
				name: 'syncKinds',
				type: 'multiOptions',
				options: [
					{ name: 'Email Platform (ESP)', value: 'esp_sync' },
					{ name: 'CRM', value: 'crm_sync' },
				],
				default: ['esp_sync', 'crm_sync'],
				description: 'Which vendor syncs each new or changed signup puts in the outbox',
			},
		],
	},
	abuseSignalProperties,
];
