import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CAPTURE_POLICY, validateSignup, type CapturePolicy, type ValidSignup } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const policy: CapturePolicy = { ...DEFAULT_CAPTURE_POLICY, secret: 's' };

function signup(raw: Record<string, unknown>): ValidSignup {
	const verdict = validateSignup(raw, policy);
	if (!verdict.ok) throw new Error(`fixture is invalid: ${JSON.stringify(verdict.errors)}`);
	return verdict.signup;
}

async function outboxKeys(t: TestLedger, contactId: string): Promise<string[]> {
	const rows = await t.ledger.store.query<{ idempotency_key: string }>('SELECT idempotency_key FROM outbox WHERE contact_id = $1 ORDER BY created_at, idempotency_key', [contactId]);
	return rows.map((r) => r.idempotency_key);
}

for (const driver of DRIVERS) {
	describe(`[${driver}] signup capture`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('commits contact, first and last touch, consent and one ESP + one CRM sync entry together', async () => {
			const result = await t.ledger.capture.capture({
				launch: 'default',
				signup: signup({ email: 'ada@example.com', first_name: 'Ada', utm_source: 'newsletter', utm_campaign: 'spring', consent: 'yes' }),
				policy,
				source: 'capture',
				consentText: 'Email me',
			});
			assert.equal(result.created, true);
			assert.deepEqual(result.pendingSync.map((p) => [p.kind, p.created]), [['esp_sync', true], ['crm_sync', true]]);
			const contact = await t.ledger.contacts.get(result.contactId);
			assert.equal(contact?.firstTouch?.utm_source, 'newsletter');
			assert.equal(contact?.lastTouch?.utm_campaign, 'spring');
			assert.equal(contact?.consent.marketing, true);
			assert.equal(contact?.consent.marketing_text, 'Email me');
			assert.equal((await outboxKeys(t, result.contactId)).length, 2);
		});

		it('the same person again with nothing new adds no sync work; a real change adds exactly one per vendor', async () => {
			const first = await t.ledger.capture.capture({ launch: 'default', signup: signup({ email: 'lin@example.com' }), policy, source: 'capture' });
			const repeat = await t.ledger.capture.capture({ launch: 'default', signup: signup({ email: 'LIN@example.com ' }), policy, source: 'capture' });
			assert.equal(repeat.created, false);
			assert.equal(repeat.contactId, first.contactId);
			assert.deepEqual(repeat.pendingSync.map((p) => p.created), [false, false]);
			assert.equal((await outboxKeys(t, first.contactId)).length, 2);

			const changed = await t.ledger.capture.capture({ launch: 'default', signup: signup({ email: 'lin@example.com', first_name: 'Lin', utm_source: 'podcast' }), policy, source: 'capture' });
			assert.deepEqual(changed.pendingSync.map((p) => p.created), [true, true]);
			assert.equal((await outboxKeys(t, first.contactId)).length, 4);
			const contact = await t.ledger.contacts.get(first.contactId);
			assert.equal(contact?.firstTouch?.utm_source, 'podcast', 'the first touch with attribution is kept');
		});

		it('concurrent signups of one person make one contact and one set of sync entries', async () => {
			const results = await Promise.all(
				Array.from({ length: 12 }, () => t.ledger.capture.capture({ launch: 'race', signup: signup({ email: 'race@example.com', utm_source: 'x' }), policy, source: 'capture' })),
			);
			assert.equal(new Set(results.map((r) => r.contactId)).size, 1);
			assert.equal(results.filter((r) => r.created).length, 1);
			assert.equal((await outboxKeys(t, results[0]!.contactId)).length, 2);
		});

		it('records a rejected attempt with what was sent, and forgetting the person clears it', async () => {
			const id = await t.ledger.capture.recordRejection({
				launch: 'default',
				status: 422,
				reason: 'paid_without_source',
				errors: [{ field: 'utm_source', reason: 'is required' }],
				contentType: 'application/x-www-form-urlencoded',
				payload: 'email=grace%40example.com&utm_medium=cpc',
				remoteAddress: '10.0.0.1',
				userAgent: 'test',
			});
			const [recorded] = await t.ledger.capture.rejections('default');
			assert.equal(recorded?.id, id);
			assert.equal(recorded?.reason, 'paid_without_source');
			assert.match(recorded?.payload ?? '', /grace%40example\.com/);

			const accepted = await t.ledger.capture.capture({ launch: 'default', signup: signup({ email: 'grace@example.com', utm_source: 'fb', utm_medium: 'cpc' }), policy, source: 'capture' });
			await t.ledger.contacts.forget({ launch: 'default', contactId: accepted.contactId, source: 'test' });
			const [after] = (await t.ledger.capture.rejections('default')).filter((r) => r.id === id);
			assert.equal(after?.payload, '[forgotten]');
			assert.equal(after?.remoteAddress, null);
		});
	});
}
