/**
 * The checkout-to-access templates as the e2e tests import them: the files as shipped, with
 * fake-vendor credentials selected on the vendor nodes (as a user does after import), the
 * placeholders a user replaces filled in, and — for tests — a schedule every few seconds and a
 * short refund window.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import type { TemplateJson } from './signup-template';

export const STRIPE_TEMPLATE = join(PACKAGE_ROOT, 'workflows', 'checkout-to-access.json');
export const LEMON_TEMPLATE = join(PACKAGE_ROOT, 'workflows', 'checkout-to-access-lemonsqueezy-thinkific.json');

export const STRIPE_TEST_WHSEC = 'whsec_e2e_checkout_to_access';
export const LEMON_TEST_SIGNING = 'ls_e2e_signing_secret';
export const KIT_CUSTOMER_TAG = '4242';
export const DISCORD_GUILD = '197038439483310086';
export const DISCORD_ROLE = '483310086197038439';
export const KAJABI_OFFER_PATH = '/webhooks/offers/2148559121/AbCdEf123';

/** Imported with `startE2eN8n({ credentials })`; the vendor fakes check only the shape of the secret. */
export const CHECKOUT_CREDENTIALS = [
	{ id: 'wlFakeStripeApi1', name: 'Stripe (vendor fake)', type: 'stripeApi', data: { secretKey: 'sk_test_vendorfake' } },
	{ id: 'wlFakeStripeWh01', name: 'Stripe webhook secret (test)', type: 'stripeWebhookSecretApi', data: { signingSecret: STRIPE_TEST_WHSEC } },
	{ id: 'wlFakeLemonApi01', name: 'Lemon Squeezy (vendor fake)', type: 'httpHeaderAuth', data: { name: 'Authorization', value: 'Bearer ls-test-key' } },
	{ id: 'wlFakeLemonWh001', name: 'Lemon Squeezy webhook secret (test)', type: 'lemonSqueezyWebhookSecretApi', data: { signingSecret: LEMON_TEST_SIGNING } },
	{ id: 'wlFakeThinkific1', name: 'Thinkific (vendor fake)', type: 'httpCustomAuth', data: { json: JSON.stringify({ headers: { 'X-Auth-API-Key': 'tk-test', 'X-Auth-Subdomain': 'school' } }) } },
	{ id: 'wlFakeDiscordBot', name: 'Discord bot (vendor fake)', type: 'discordBotApi', data: { botToken: 'discord-test-token' } },
	{ id: 'wlFakeHubspot001', name: 'HubSpot (vendor fake)', type: 'hubspotAppToken', data: { appToken: 'hubspot-test-token' } },
	{ id: 'wlFakeKitCred001', name: 'Kit (vendor fake)', type: 'convertKitApi', data: { apiSecret: 'kit-test-secret' } },
];

const credential = (type: string) => {
	const c = CHECKOUT_CREDENTIALS.find((x) => x.type === type)!;
	return { [type]: { id: c.id, name: c.name } };
};

export interface CheckoutTestOptions {
	/** Every n seconds instead of every minute (due revocations and retries). */
	scheduleSeconds?: number;
	refundWindowSeconds?: number;
	/** Replay unprocessed payments after this many minutes instead of 10. */
	replayAfterMinutes?: number;
	/** Another launch for every pack node, so two templates in one n8n do not claim each other's work. */
	launch?: string;
}

/** Fills in what the "Before you publish" note asks a user to fill in, and points the credentials at the fakes. */
function prepare(wf: TemplateJson, options: CheckoutTestOptions): TemplateJson {
	for (const node of wf.nodes) {
		const p = node.parameters;
		if (options.launch && node.type.startsWith('n8n-nodes-waitlist-ledger.') && p.launch === 'default') p.launch = options.launch;
		if (node.type === 'n8n-nodes-base.scheduleTrigger' && options.scheduleSeconds) p.rule = { interval: [{ field: 'seconds', secondsInterval: options.scheduleSeconds }] };
		if ((node.name === 'Match purchase' || node.name === 'Replay unprocessed payments') && options.refundWindowSeconds !== undefined) p.refundWindowSeconds = options.refundWindowSeconds;
		if (node.name === 'Replay unprocessed payments' && options.replayAfterMinutes !== undefined) p.olderThanMinutes = options.replayAfterMinutes;
		if (node.type === 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger') node.credentials = credential(p.provider === 'lemonsqueezy' ? 'lemonSqueezyWebhookSecretApi' : 'stripeWebhookSecretApi');
		if (node.type === 'n8n-nodes-base.httpRequest') {
			// Discord, HubSpot and Kit steps: the server, role and tag a user fills into the URL.
			p.url = String(p.url).replace('/guilds/000000000000000000/', `/guilds/${DISCORD_GUILD}/`).replace('REPLACE_WITH_ROLE_ID', DISCORD_ROLE).replace('REPLACE_WITH_CUSTOMER_TAG_ID', KIT_CUSTOMER_TAG);
			if (typeof p.nodeCredentialType === 'string') node.credentials = credential(p.nodeCredentialType);
			const url = String(p.url);
			if (url.includes('api.stripe.com')) node.credentials = credential('stripeApi');
			if (url.includes('api.lemonsqueezy.com')) {
				node.credentials = credential('httpHeaderAuth');
				p.body = String(p.body).replace('REPLACE_WITH_STORE_ID', '11').replace('REPLACE_WITH_VARIANT_ID', '22');
			}
			if (url.includes('api.thinkific.com')) node.credentials = credential('httpCustomAuth');
			if (url.includes('app.kajabi.com')) p.url = url.replace('/webhooks/offers/REPLACE_OFFER_ID/REPLACE_TOKEN', KAJABI_OFFER_PATH);
			const body = p.bodyParameters as { parameters: Array<{ name: string; value: string }> } | undefined;
			for (const param of body?.parameters ?? []) {
				if (param.value === 'price_REPLACE_WITH_YOUR_PRICE_ID') param.value = 'price_1Course';
				if (param.value === 'REPLACE_WITH_COURSE_ID') param.value = '777';
			}
			const query = p.queryParameters as { parameters: Array<{ name: string; value: string }> } | undefined;
			for (const param of query?.parameters ?? []) if (param.value === 'REPLACE_WITH_COURSE_ID') param.value = '777';
		}
	}
	return wf;
}

export function checkoutTemplate(options: CheckoutTestOptions = {}): TemplateJson {
	return prepare(JSON.parse(readFileSync(STRIPE_TEMPLATE, 'utf8')) as TemplateJson, options);
}

export function lemonThinkificTemplate(options: CheckoutTestOptions = {}): TemplateJson {
	return prepare(JSON.parse(readFileSync(LEMON_TEMPLATE, 'utf8')) as TemplateJson, options);
}
