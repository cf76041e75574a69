import type { IWebhookFunctions } from 'n8n-workflow';

import type { AbuseOptions, AttributionWithoutConsent, CaptureOptions, ConfirmationSender } from '../../ledger';

/** The Waitlist Capture Trigger's parameters, read once per request into plain values. */
export interface CaptureTriggerOptions {
	launch: string;
	/** What the ledger decides signups by (origins, bots, paid traffic, consent, vendor syncs). */
	capture: CaptureOptions;
	/** The hosted form's and thank-you page's words. */
	page: { title: string; intro: string; consentText: string; consentRequired: boolean; submitLabel: string; thankYouMessage: string };
	snippet: { cookieDays: number; consentMode: 'always' | 'checkbox' | 'cmp' | 'never' };
	maxBodyBytes: number;
	respondWith: 'auto' | 'json' | 'redirect';
	thankYouUrl: string;
	/** Answer without a run per signup: the batch drain sends the vendor syncs. */
	spikeMode: boolean;
	/** Answer 201 new / 200 already on the list with the contact id, instead of the same answer for both. */
	answerWithContactDetails: boolean;
	/** Referral links and the thank-you page's place in line. */
	referrals: { linkBase: string; showPlaceInLine: boolean; showLeaderboard: boolean };
	/** Double opt-in: who sends the confirmation email ('off': no confirmation), and how long its link works. */
	doubleOptIn: { sentBy: 'off' | ConfirmationSender; linkValidDays: number };
	/** The CAPTCHA to check (its secret key comes from the CAPTCHA Secret Key credential), or null. */
	captcha: { provider: 'turnstile' | 'hcaptcha'; siteKey: string } | null;
}

interface AbuseSettingsParameter {
	extraDisposableDomains?: string;
	allowedDomains?: string;
	networkLimit?: number;
	patternLimit?: number;
	windowMinutes?: number;
	holdFlaggedSync?: boolean;
	captchaFailure?: 'flag' | 'refuse';
}

interface FormSettings {
	title?: string;
	intro?: string;
	askFirstName?: boolean;
	askPhone?: boolean;
	consentText?: string;
	consentRequired?: boolean;
	submitLabel?: string;
}

interface OptionSettings {
	allowedOrigins?: string;
	answerWithContactDetails?: boolean;
	attributionWithoutConsent?: AttributionWithoutConsent;
	confirmLinkDays?: number;
	cookieDays?: number;
	doubleOptIn?: 'off' | ConfirmationSender;
	consentMode?: 'always' | 'checkbox' | 'cmp' | 'never';
	honeypotField?: string;
	maxBodyKb?: number;
	minSeconds?: number;
	paidMediums?: string;
	requireSourceForPaid?: boolean;
	referralLinkBase?: string;
	showPlaceInLine?: boolean;
	showLeaderboard?: boolean;
	syncKinds?: string[];
}

const commaList = (text: string): string[] =>
	text
		.split(',')
		.map((part) => part.trim())
		.filter(Boolean);

function abuseOptions(ctx: IWebhookFunctions): AbuseOptions {
	const abuse = ctx.getNodeParameter('abuse', {}) as AbuseSettingsParameter;
	return {
		extraDisposableDomains: commaList(abuse.extraDisposableDomains ?? ''),
		allowedDomains: commaList(abuse.allowedDomains ?? ''),
		networkLimit: abuse.networkLimit,
		patternLimit: abuse.patternLimit,
		windowMinutes: abuse.windowMinutes,
		holdFlaggedSync: abuse.holdFlaggedSync,
		captchaFailure: abuse.captchaFailure,
	};
}

function captchaOption(ctx: IWebhookFunctions): CaptureTriggerOptions['captcha'] {
	const provider = ctx.getNodeParameter('captcha', 'none') as 'none' | 'turnstile' | 'hcaptcha';
	if (provider === 'none') return null;
	return { provider, siteKey: (ctx.getNodeParameter('captchaSiteKey', '') as string).trim() };
}

export function captureTriggerOptions(ctx: IWebhookFunctions): CaptureTriggerOptions {
	const form = ctx.getNodeParameter('form', {}) as FormSettings;
	const settings = ctx.getNodeParameter('settings', {}) as OptionSettings;
	return {
		launch: (ctx.getNodeParameter('launch', 'default') as string).trim() || 'default',
		capture: {
			// Empty (the default): the hosted form's own site only.
			allowedOrigins: commaList(settings.allowedOrigins ?? ''),
			paidMediums: settings.paidMediums ? commaList(settings.paidMediums) : undefined,
			requireSourceForPaid: settings.requireSourceForPaid,
			honeypotField: settings.honeypotField,
			minSeconds: settings.minSeconds,
			attributionWithoutConsent: settings.attributionWithoutConsent,
			syncKinds: settings.syncKinds,
			abuse: abuseOptions(ctx),
			hostedForm: { askFirstName: form.askFirstName, askPhone: form.askPhone, consentRequired: form.consentRequired, consentText: form.consentText },
		},
		page: {
			title: form.title ?? 'Join the waitlist',
			intro: form.intro ?? 'Be the first to know when doors open.',
			consentText: form.consentText ?? 'Yes, email me about the launch. I can unsubscribe at any time.',
			consentRequired: form.consentRequired ?? false,
			submitLabel: form.submitLabel ?? 'Join the waitlist',
			thankYouMessage: ctx.getNodeParameter('thankYouMessage', "Thanks! You're on the list.") as string,
		},
		snippet: { cookieDays: settings.cookieDays ?? 30, consentMode: settings.consentMode ?? 'checkbox' },
		maxBodyBytes: Math.max(1, settings.maxBodyKb ?? 64) * 1024,
		respondWith: ctx.getNodeParameter('respondWith', 'auto') as 'auto' | 'json' | 'redirect',
		thankYouUrl: (ctx.getNodeParameter('thankYouUrl', '') as string).trim(),
		spikeMode: ctx.getNodeParameter('spikeMode', false) as boolean,
		answerWithContactDetails: settings.answerWithContactDetails ?? false,
		referrals: { linkBase: (settings.referralLinkBase ?? '').trim(), showPlaceInLine: settings.showPlaceInLine ?? true, showLeaderboard: settings.showLeaderboard ?? false },
		doubleOptIn: { sentBy: settings.doubleOptIn ?? 'off', linkValidDays: Math.max(1, settings.confirmLinkDays ?? 7) },
		captcha: captchaOption(ctx),
	};
}
