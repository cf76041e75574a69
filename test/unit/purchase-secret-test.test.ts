import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ICredentialTestFunctions } from 'n8n-workflow';

import { purchaseWebhookSecretTest } from '../../nodes/PurchaseWebhookTrigger/secretTest';

const run = (type: string, data: Record<string, unknown>) =>
	purchaseWebhookSecretTest.call({} as ICredentialTestFunctions, { id: 'c1', name: 'test', type, data: data as Record<string, string> });

describe('the signing-secret credentials\' Test button', () => {
	it('accepts a filled-in secret that looks like the provider\'s', async () => {
		assert.equal((await run('stripeWebhookSecretApi', { signingSecret: 'whsec_abc123' })).status, 'OK');
		assert.equal((await run('shopifyWebhookSecretApi', { signingSecret: 'shpss_abc' })).status, 'OK');
		assert.equal((await run('hmacWebhookSecretApi', { signingSecret: 's', header: 'X-Hub-Signature-256', signed: 'timestamp.body', timestampHeader: 'X-Timestamp' })).status, 'OK');
	});

	it('says what is wrong: empty, padded with spaces, a Stripe API key instead of the signing secret, a header that is not a header name', async () => {
		const cases: Array<[string, Record<string, unknown>, RegExp]> = [
			['lemonSqueezyWebhookSecretApi', { signingSecret: '' }, /empty/],
			['paddleWebhookSecretApi', { signingSecret: ' pdl_ntfset_1 ' }, /spaces or line breaks/],
			['stripeWebhookSecretApi', { signingSecret: 'sk_live_123' }, /starts with whsec_/],
			['hmacWebhookSecretApi', { signingSecret: 's', header: 'X Signature' }, /Signature Header/],
			['hmacWebhookSecretApi', { signingSecret: 's', header: 'X-Signature', signed: 'timestamp.body', timestampHeader: '' }, /Timestamp Header/],
		];
		for (const [type, data, message] of cases) {
			const result = await run(type, data);
			assert.equal(result.status, 'Error', type);
			assert.match(result.message, message);
		}
	});
});
