import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startE2eN8n, type E2eN8n, type VendorRequest } from '../support/n8n-e2e';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../support/signup-template';

const WORKFLOW_ID = 'wlSignupCapture1';

/** Kit v3 "add subscriber to form" as Kit documents it: POST /v3/forms/:id/subscribe, api_secret, email, first_name, fields. */
function kitSubscribes(requests: VendorRequest[]) {
	return requests.filter((r) => r.fake === 'kit' && r.method === 'POST' && /^\/v3\/forms\/\d+\/subscribe\?/.test(r.path));
}
/** HubSpot contacts v1 createOrUpdate: POST /contacts/v1/contact/createOrUpdate/email/:email, {properties: [{property, value}]}. */
function hubspotUpserts(requests: VendorRequest[]) {
	return requests.filter((r) => r.fake === 'hubspot' && r.method === 'POST' && r.path.startsWith('/contacts/v1/contact/createOrUpdate/email/'));
}
const props = (r: VendorRequest) => Object.fromEntries((r.body as { properties: Array<{ property: string; value: string }> }).properties.map((p) => [p.property, p.value]));

describe('real n8n: the signup template syncs Kit and HubSpot (vendor fakes in the n8n process)', () => {
	let n8n: E2eN8n;
	let downFile: string;
	before(async () => {
		downFile = join(tmpdir(), `wl-kit-down-${process.pid}`);
		rmSync(downFile, { force: true });
		n8n = await startE2eN8n({
			workflows: [signupTemplate()],
			credentials: FAKE_VENDOR_CREDENTIALS,
			// Kit is down only while downFile exists.
			vendorFakes: { down: ['kit'], downFile },
		});
	});
	after(async () => {
		rmSync(downFile, { force: true });
		await n8n?.stop();
	});


	it('sends each new signup to Kit and HubSpot in their documented shapes with the UTMs, and acks both entries', async () => {
		const ada = await n8n.post('waitlist-signup', {
			email: 'ada@example.com',
			first_name: 'Ada',
			utm_source: 'newsletter',
			utm_medium: 'email',
			utm_campaign: 'spring-launch',
			utm_content: 'hero-button',
			utm_term: 'course',
		});
		assert.equal(ada.status, 201);
		// A form post from the landing page, without a first name.
		const grace = await fetch(n8n.webhookUrl('waitlist-signup'), {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
			body: new URLSearchParams({ email: 'grace@example.com', utm_source: 'instagram', utm_medium: 'social', utm_campaign: 'reel-3' }).toString(),
		});
		assert.equal(grace.status, 201);
		const executions = await n8n.waitForExecutions(WORKFLOW_ID, 2);
		assert.deepEqual(executions.map((e) => e.status), ['success', 'success'], JSON.stringify(executions.map((e) => e.errors)));

		const requests = n8n.vendorRequests();
		const kit = kitSubscribes(requests);
		assert.equal(kit.length, 2, 'one Kit call per new signup');
		const kitAda = kit.find((r) => (r.body as { email: string }).email === 'ada@example.com')!;
		assert.match(kitAda.path, /^\/v3\/forms\/1234567\/subscribe\?api_secret=kit-test-secret$/);
		// The referral fields travel in the same Kit call (one write per person, not a second from the drain).
		const adaStanding = await n8n.withLedger(async (ledger) => ledger.referrals.standing({ launch: 'default', contactId: (await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'ada@example.com' }))!.id }));
		const adaLink = (kitAda.body as { fields: { referral_link: string } }).fields.referral_link;
		assert.match(adaLink, /^http:\/\/[^/]+\/webhook\/waitlist-signup\?ref=/, 'the link is the hosted signup page with ?ref= (no landing page set)');
		assert.deepEqual(kitAda.body, {
			email: 'ada@example.com',
			first_name: 'Ada',
			fields: {
				utm_source: 'newsletter',
				utm_medium: 'email',
				utm_campaign: 'spring-launch',
				utm_content: 'hero-button',
				utm_term: 'course',
				referral_link: `${adaLink.split('?')[0]}?ref=${adaStanding.code}`,
				place_in_line: String(adaStanding.place),
				referral_count: '0',
			},
		});
		const kitGrace = kit.find((r) => (r.body as { email: string }).email === 'grace@example.com')!;
		const { referral_link: graceLink, ...graceFields } = (kitGrace.body as { fields: Record<string, string> }).fields;
		assert.match(graceLink ?? '', /\/webhook\/waitlist-signup\?ref=[A-Z0-9]+$/);
		assert.deepEqual(graceFields, { utm_source: 'instagram', utm_medium: 'social', utm_campaign: 'reel-3', utm_content: '', utm_term: '', place_in_line: '2', referral_count: '0' });

		const hubspot = hubspotUpserts(requests);
		assert.equal(hubspot.length, 2, 'one HubSpot call per new signup');
		// The email is the last path segment, percent-encoded (`ada%40example.com`), as HubSpot accepts it.
		const hsAda = hubspot.find((r) => decodeURIComponent(r.path).endsWith('/ada@example.com'))!;
		assert.equal(hsAda.headers.authorization, 'Bearer hubspot-test-token');
		assert.deepEqual(props(hsAda), { firstname: 'Ada', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring-launch', utm_content: 'hero-button', utm_term: 'course' });
		assert.equal(props(hubspot.find((r) => decodeURIComponent(r.path).endsWith('/grace@example.com'))!).utm_source, 'instagram');
		assert.ok(requests.every((r) => r.outcome === 'ok'));

		await n8n.withLedger(async (ledger) => {
			// The answers carry no contact id (issue 20 row 8): find the contacts by their addresses.
			const ids = await Promise.all(['ada@example.com', 'grace@example.com'].map(async (value) => (await ledger.contacts.find({ launch: 'default', kind: 'email', value }))!.id));
			for (const contactId of ids) {
				const entries = await ledger.outbox.list({ launch: 'default', contactId });
				assert.deepEqual(entries.map((e) => `${e.kind}:${e.status}`).sort(), ['crm_sync:done', 'esp_sync:done']);
				assert.ok(entries.every((e) => e.responseId), 'the vendor record id is kept on the entry');
			}
			// The Kit steps acked with the fields they sent: an ESP drain now has nothing to send for them.
			const drain = await ledger.outbox.claim({ launch: 'default', kinds: 'esp_sync', limit: 100, leaseMs: 60_000, workerId: 'e2e-drain' });
			assert.deepEqual(drain.map((e) => e.contactId), [], 'no second Kit write for the referral fields');
			assert.ok((await ledger.contacts.get(ids[0]!))?.tags.includes('source-newsletter'));
			assert.ok((await ledger.contacts.get(ids[1]!))?.tags.includes('source-instagram'));
		});
	});

	it('a repeat signup that changes nothing calls no vendor; a changed one syncs once more', async () => {
		const before = n8n.vendorRequests().length;
		const same = await n8n.post('waitlist-signup', { email: 'ADA@example.com', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring-launch', utm_content: 'hero-button', utm_term: 'course' });
		assert.equal(same.status, 201, 'answered like a new signup');
		await n8n.waitForExecutions(WORKFLOW_ID, 3);
		assert.equal(n8n.vendorRequests().length, before, 'nothing new for the vendors');

		const changed = await n8n.post('waitlist-signup', { email: 'grace@example.com', first_name: 'Grace' });
		assert.equal(changed.status, 201);
		await n8n.waitForExecutions(WORKFLOW_ID, 4);
		const fresh = n8n.vendorRequests().slice(before);
		assert.equal(kitSubscribes(fresh).length, 1);
		assert.equal((kitSubscribes(fresh)[0]!.body as { first_name: string }).first_name, 'Grace');
		assert.equal(hubspotUpserts(fresh).length, 1);
	});

	it('Kit down: the failure goes through the error output into the ledger (retry later); HubSpot still syncs', async () => {
		writeFileSync(downFile, 'down');
		try {
			const res = await n8n.post('waitlist-signup', { email: 'kit-down@example.com', utm_source: 'podcast' });
			assert.equal(res.status, 201, 'the signup is answered and kept whatever the vendors do');
			const runs = await n8n.waitForExecutions(WORKFLOW_ID, 5);
			assert.equal(runs[4]!.status, 'success', 'a vendor failure is handled, not an execution failure');
			await n8n.withLedger(async (ledger) => {
				const contactId = (await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'kit-down@example.com' }))!.id;
				const entries = await ledger.outbox.list({ launch: 'default', contactId });
				const esp = entries.find((e) => e.kind === 'esp_sync')!;
				assert.equal(esp.status, 'failed');
				assert.equal(esp.attempts, 1);
				assert.ok(esp.lastError);
				assert.equal(entries.find((e) => e.kind === 'crm_sync')?.status, 'done');
			});
			const kitCalls = n8n.vendorRequests().filter((r) => r.fake === 'kit' && r.outcome === 'failed');
			assert.equal(kitCalls.length, 1);
			assert.equal(kitCalls[0]!.status, 503);
		} finally {
			rmSync(downFile, { force: true });
		}
	});
});
