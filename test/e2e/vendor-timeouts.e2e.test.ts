/**
 * Issue 20 row 12 on a real n8n: a vendor that accepts the connection and never answers. The signup
 * template and the outbox drain are published as shipped, their Kit steps pointed at a local server
 * that reads each request and never answers (the only change to the imported copies, besides the
 * fake credentials and a drain every 2 seconds). n8n's default would hold each run 300 s; the
 * template's Kit step gives up after 10 s, so:
 * - the signup is answered 201 and its run ends (a finished execution, not one still waiting);
 * - the Kit entry is failed with "Kit timed out after 10 s", not `{}`;
 * - the drain does not take the entry over while the signup's call is in flight (its claim holds
 *   longer than the call can last), and retries it once its backoff is over — Kit answers by then;
 * - Kit receives the subscriber twice in all (the call that hung, the retry) and never two calls at
 *   once; nothing is sent after the ack.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { startHangingVendor, type HangingVendor } from '../support/hanging-vendor';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { FAKE_VENDOR_CREDENTIALS, KIT_NODE, signupTemplate, type TemplateJson } from '../support/signup-template';
import { waitFor } from '../support/wait';

const SIGNUP_ID = 'wlSignupCapture1';
const KIT_KEY = { id: 'wlFakeKitHeader1', name: 'Kit API key (vendor fake)', type: 'httpHeaderAuth', data: { name: 'X-Kit-Api-Key', value: 'kit-test-key' } };
const HUBSPOT = FAKE_VENDOR_CREDENTIALS.find((c) => c.type === 'hubspotAppToken')!;

/** The drain as shipped, every 2 seconds, its Kit step at `kitUrl`, with the Kit key and the HubSpot credential selected. */
function drain(kitUrl: string): TemplateJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'outbox-drain.json'), 'utf8')) as TemplateJson;
	for (const node of wf.nodes) {
		const p = node.parameters;
		if (node.type === 'n8n-nodes-base.scheduleTrigger') p.rule = { interval: [{ field: 'seconds', secondsInterval: 2 }] };
		if (node.name === 'Kit: add or update subscriber') p.url = `${kitUrl}/v4/subscribers`;
		if (p.genericAuthType === 'httpHeaderAuth') node.credentials = { httpHeaderAuth: { id: KIT_KEY.id, name: KIT_KEY.name } };
		if (p.nodeCredentialType === 'hubspotAppToken') node.credentials = { hubspotAppToken: { id: HUBSPOT.id, name: HUBSPOT.name } };
	}
	return wf;
}

describe('real n8n: a vendor that never answers', () => {
	let n8n: E2eN8n;
	let kit: HangingVendor;

	before(async () => {
		kit = await startHangingVendor();
		const signup = signupTemplate();
		const kitStep = signup.nodes.find((n) => n.name === KIT_NODE)!;
		kitStep.parameters.url = `${kit.url}/v3/forms/1234567/subscribe`;
		n8n = await startE2eN8n({ workflows: [signup, drain(kit.url)], credentials: [...FAKE_VENDOR_CREDENTIALS, KIT_KEY], vendorFakes: {} });
	});
	after(async () => {
		await n8n?.stop();
		await kit?.close();
	});

	it('the signup run ends with "Kit timed out after 10 s"; the drain retries later, once, and Kit never gets two calls at once', async () => {
		const res = await n8n.post('waitlist-signup', { email: 'ada@example.com', utm_source: 'newsletter', utm_medium: 'email' });
		assert.equal(res.status, 201, 'the signup is answered whatever Kit does');
		const { contactId } = (await res.json()) as { contactId: string };

		// The run finished: n8n gave up on Kit instead of waiting its 300 s.
		const [run] = await n8n.waitForExecutions(SIGNUP_ID, 1);
		assert.equal(run!.status, 'success', JSON.stringify(run!.errors));
		const entries = await n8n.withLedger((ledger) => ledger.outbox.list({ launch: 'default', contactId }));
		const entry = entries.find((e) => e.kind === 'esp_sync')!;
		assert.equal(entry.status, 'failed', 'failed, to be retried after its backoff');
		assert.equal(entry.lastError, 'Kit timed out after 10 s (no answer; retried later)');
		assert.equal(entries.find((e) => e.kind === 'crm_sync')?.status, 'done', 'HubSpot was not held up');
		assert.equal(kit.requests.length, 1);
		assert.ok(kit.requests[0]!.closedAt, 'n8n closed the call it gave up on');
		const heldMs = kit.requests[0]!.closedAt! - kit.requests[0]!.arrivedAt;
		console.log(`a silent Kit held the signup run ${(heldMs / 1000).toFixed(1)} s (n8n's default: 300 s); 50 such signups on 10 production slots: ≈ ${Math.round((50 * heldMs) / 10 / 1000)} s instead of ≈ 1500 s`);

		// Kit is back. The drain claims the entry once its backoff is over, and acks it.
		kit.answerWith({ status: 200, body: { subscriber: { id: 4242, email_address: 'ada@example.com' } } });
		const done = await waitFor('the drain to deliver the retried entry', () =>
			n8n.withLedger(async (ledger) => {
				const e = await ledger.outbox.get(entry.id);
				return e?.status === 'done' ? e : undefined;
			}),
		);
		assert.equal(done.responseId, '4242');
		assert.equal(done.attempts, 2, 'the signup run’s attempt, then the drain’s');

		// A later drain run delivers other work (the drain keeps no successful executions, so its work
		// shows that it ran) and sends nothing more for Ada.
		const later = await n8n.withLedger(async (ledger) => {
			const { contactId: bob } = await ledger.contacts.upsert({ launch: 'default', email: 'bob@example.com' });
			return (await ledger.outbox.enqueue({ launch: 'default', kind: 'esp_sync', idempotencyKey: 'esp:bob', contactId: bob })).id;
		});
		await waitFor('a later drain run to deliver Bob', () => n8n.withLedger(async (ledger) => ((await ledger.outbox.get(later))?.status === 'done' ? true : undefined)));
		const calls = kit.requests.filter((r) => r.body.includes('ada@example.com'));
		assert.equal(calls.length, 2, JSON.stringify(calls));
		assert.ok(calls[0]!.closedAt! <= calls[1]!.arrivedAt, 'the retry started only after the first call was given up');
	});
});
