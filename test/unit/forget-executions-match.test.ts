import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { holdsPerson, personNeedles } from '../../nodes/WaitlistContact/actions/contact/n8nExecutions';

/**
 * How Forget finds a person in n8n's executions: an execution's stored JSON holds them when it
 * contains one of the erased values — an email in any capitals or URL-encoded, an id without its
 * namespace, a phone however it was spaced. Short or all-digit ids never match (they would match strangers).
 */

const needles = personNeedles(['wilhelmina.forgetme@example.com', 'Wilhelmina.Forgetme@Example.com', '+14155550199', 'stripe:cus_wfm42', '42']);

describe('finding a forgotten person in an execution', () => {
	it('finds the email in any capitals, JSON-escaped or URL-encoded, the phone however it was typed, the customer id without its namespace', () => {
		for (const data of [
			{ body: { email: 'WILHELMINA.FORGETME@example.com' } },
			{ raw: 'email=wilhelmina.forgetme%40example.com&x=1' },
			{ phone: '+1 (415) 555-0199' },
			{ phone: '415.555.0199' },
			{ raw: 'phone=%2B1%20415%20555%200199' },
			{ customer: 'cus_wfm42' },
		]) {
			assert.equal(holdsPerson(JSON.stringify({ data }), needles), true, JSON.stringify(data));
		}
	});

	it('does not take someone else for them: another address, another number, a short id', () => {
		for (const data of [{ email: 'forgetme@example.org' }, { phone: '+1 415 555 0198' }, { order: 42 }, { count: '42' }, { when: 1_800_000_000_000 }]) {
			assert.equal(holdsPerson(JSON.stringify({ data }), needles), false, JSON.stringify(data));
		}
	});

	it('any execution that embeds the email anywhere in its JSON is found', () => {
		fc.assert(
			fc.property(fc.json(), fc.json(), fc.constantFrom('wilhelmina.forgetme@example.com', 'Wilhelmina.FORGETME@Example.COM'), (before, after, email) => {
				const execution = JSON.stringify({ before: JSON.parse(before) as unknown, item: { json: { email } }, after: JSON.parse(after) as unknown });
				assert.equal(holdsPerson(execution, needles), true);
			}),
		);
	});
});
