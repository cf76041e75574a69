import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { startE2eN8n, type E2eN8n, type VendorRequest } from '../support/n8n-e2e';

/**
 * Phone-first on a real n8n: the launch-day capture (spike mode: the signup is saved, its syncs wait in
 * the outbox) with the MailerLite and Pipedrive pieces draining them (schedules every 2 s here), the
 * vendors faked inside n8n. A phone-only signup reaches the CRM and not the email platform; the same
 * phone with an email later is one contact, one Pipedrive person and exactly one MailerLite subscriber.
 */

const CREDENTIALS = [
	{ id: 'wlFakeMailerLite', name: 'MailerLite (vendor fake)', type: 'mailerLiteApi', data: { apiKey: 'ml-test-key', classicApi: false } },
	{ id: 'wlFakePipedrive1', name: 'Pipedrive (vendor fake)', type: 'pipedriveApi', data: { apiToken: 'pd-test-token' } },
];

interface PieceNode {
	type: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}

/** A vendor piece as shipped, with the fake's credential selected and its schedule every 2 s. */
function piece(file: string) {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'vendors', file), 'utf8')) as { id: string; name: string; nodes: PieceNode[]; connections: unknown };
	for (const node of wf.nodes) {
		if (node.type === 'n8n-nodes-base.mailerLite') node.credentials = { mailerLiteApi: { id: CREDENTIALS[0]!.id, name: CREDENTIALS[0]!.name } };
		if (node.type === 'n8n-nodes-base.pipedrive') node.credentials = { pipedriveApi: { id: CREDENTIALS[1]!.id, name: CREDENTIALS[1]!.name } };
		if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 2 }] };
	}
	return wf;
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

const writes = (requests: VendorRequest[], fake: 'mailerlite' | 'pipedrive') => requests.filter((r) => r.fake === fake && r.outcome === 'ok' && (r.method === 'POST' || r.method === 'PATCH'));

describe('real n8n: phone-first signup, then the same phone with an email (MailerLite + Pipedrive pieces)', { timeout: 10 * 60_000 }, () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({
			workflows: ['workflows/launch-day-capture.json', piece('esp-mailerlite.json'), piece('crm-pipedrive.json')],
			credentials: CREDENTIALS,
			vendorFakes: {},
		});
		// A phone-first launch: people are recognised by phone (GB numbers may be typed without +44).
		await n8n.withLedger((ledger) => ledger.settings.update('default', { canonicalKey: 'phone', defaultCountry: 'GB' }));
	});
	after(async () => n8n?.stop());

	it('one contact, one Pipedrive person, exactly one MailerLite subscriber — sent after the email arrived, with the first touch', async () => {
		const first = await n8n.post('waitlist-signup', { phone: '07700 900555', first_name: 'Ada', utm_source: 'tiktok', utm_campaign: 'launch' });
		assert.equal(first.status, 201, await first.text());
		const crmDone = async () => n8n.withLedger(async (l) => (await l.outbox.list({ launch: 'default', kinds: 'crm_sync', statuses: ['done'] })).length);
		await until('the phone-only contact reaches Pipedrive', 60_000, async () => (await crmDone()) === 1);
		const waiting = await n8n.withLedger((l) => l.outbox.list({ launch: 'default', kinds: 'esp_sync' }));
		assert.deepEqual(waiting.map((e) => e.status), ['waiting'], 'the email sync waits: not failed, not dead');
		assert.equal(writes(n8n.vendorRequests(), 'mailerlite').length, 0, 'nothing sent to MailerLite without an email');

		const second = await n8n.post('waitlist-signup', { phone: '+44 7700 900555', email: 'ada@example.com', utm_source: 'newsletter' });
		assert.equal(second.status, 201, await second.text()); // the same answer as a new signup: it tells nobody who is on the list
		await until('the email sync is done', 60_000, async () =>
			n8n.withLedger(async (l) => (await l.outbox.list({ launch: 'default', kinds: 'esp_sync' })).every((e) => e.status === 'done')),
		);
		await until('the second CRM sync is done', 60_000, async () => (await crmDone()) === 2);
		// A few more drain rounds: nothing else goes out.
		await new Promise((r) => setTimeout(r, 5_000));

		const requests = n8n.vendorRequests();
		const subscribers = writes(requests, 'mailerlite');
		assert.equal(subscribers.length, 1, `one MailerLite call: ${JSON.stringify(subscribers.map((r) => r.body))}`);
		assert.deepEqual(subscribers[0]!.upserts, [{ email: 'ada@example.com', id: '9000', created: true }]);
		const fields = (subscribers[0]!.body as { fields: Record<string, string> }).fields;
		assert.deepEqual([fields.name, fields.utm_source, fields.utm_campaign], ['Ada', 'tiktok', 'launch'], 'the first touch, not the second');
		assert.ok(subscribers[0]!.at > requests.find((r) => r.fake === 'pipedrive' && r.method === 'POST')!.at, 'after the CRM got the phone-only person');

		const persons = writes(requests, 'pipedrive');
		assert.deepEqual(persons.map((r) => [r.method, r.upserts?.[0]?.created]), [['POST', true], ['PATCH', false]], 'created once, then updated by the ID the ledger kept');
		assert.equal(await n8n.withLedger((l) => l.contacts.count('default')), 1, 'one contact');
	});
});
