/**
 * Signs webhook deliveries the way each payment provider does, for tests that send them to the
 * Purchase Webhook Trigger (in-process or through a real n8n).
 */
import { createHmac } from 'node:crypto';

export interface Signed {
	rawBody: string;
	headers: Record<string, string>;
}

const seconds = (at: number) => Math.floor(at / 1000);

/** Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">. */
export function stripeSign(rawBody: string, secret: string, at = Date.now()): Signed {
	const t = seconds(at);
	const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
	return { rawBody, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${t},v1=${v1}` } };
}

/** X-Signature: hex HMAC-SHA256 of the body; the event name travels in X-Event-Name. */
export function lemonSqueezySign(rawBody: string, secret: string, eventName: string): Signed {
	return {
		rawBody,
		headers: { 'content-type': 'application/json', 'x-event-name': eventName, 'x-signature': createHmac('sha256', secret).update(rawBody).digest('hex') },
	};
}

/** Paddle-Signature: ts=<unix s>;h1=<hex HMAC-SHA256 of "ts:body">. */
export function paddleSign(rawBody: string, secret: string, at = Date.now()): Signed {
	const ts = seconds(at);
	const h1 = createHmac('sha256', secret).update(`${ts}:${rawBody}`).digest('hex');
	return { rawBody, headers: { 'content-type': 'application/json', 'paddle-signature': `ts=${ts};h1=${h1}` } };
}

/** X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body; topic and delivery id in their headers. */
export function shopifySign(rawBody: string, secret: string, topic: string, webhookId: string): Signed {
	return {
		rawBody,
		headers: {
			'content-type': 'application/json',
			'x-shopify-topic': topic,
			'x-shopify-webhook-id': webhookId,
			'x-shopify-shop-domain': 'shop.myshopify.com',
			'x-shopify-hmac-sha256': createHmac('sha256', secret).update(rawBody).digest('base64'),
		},
	};
}

export interface GenericSigning {
	header: string;
	algorithm: 'sha256' | 'sha1' | 'sha512';
	encoding: 'hex' | 'base64';
	prefix?: string;
	signed: 'body' | 'timestamp.body';
	timestampHeader?: string;
}

/** A generic HMAC sender, as configured in the Generic HMAC credential. */
export function genericSign(rawBody: string, secret: string, how: GenericSigning, at = Date.now()): Signed {
	const t = seconds(at);
	const signedText = how.signed === 'timestamp.body' ? `${t}.${rawBody}` : rawBody;
	const signature = createHmac(how.algorithm, secret).update(signedText).digest(how.encoding);
	const headers: Record<string, string> = { 'content-type': 'application/json', [how.header.toLowerCase()]: `${how.prefix ?? ''}${signature}` };
	if (how.signed === 'timestamp.body') headers[(how.timestampHeader ?? 'X-Timestamp').toLowerCase()] = String(t);
	return { rawBody, headers };
}
