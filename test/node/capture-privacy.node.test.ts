import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { closeAllLedgers, getLedger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * Issue 20 row 8: what the signup answer tells someone who posts an address they know. The trigger
 * runs in-process (its own webhook()); test/e2e/capture-privacy.e2e.test.ts does the same through a
 * real n8n, whose CORS echo matters there.
 */

const TRIGGER = 'Waitlist Capture Trigger';
const template = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'waitlist-signup.json'), 'utf8')) as WorkflowJson;

/** The signup template with the trigger's Options set. */
function withSettings(settings: Record<string, unknown>, launch: string): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(template)) as WorkflowJson;
	const trigger = copy.nodes.find((n) => n.name === TRIGGER)!;
	trigger.parameters = { ...trigger.parameters, launch, settings: { ...((trigger.parameters.settings as object) ?? {}), ...settings } } as typeof trigger.parameters;
	return copy;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] capture trigger: an accepted signup's answer reveals nothing about who is on the list`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const post = (workflow: WorkflowJson, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
			runWebhook(workflow, { node: TRIGGER, request: { body, headers: { 'content-type': 'application/json', ...headers } }, credentials: ledgerCredentialFor(db.config) });

		it('by default a known and an unknown address get the same 201 and body, without a contact id; the run still gets it', async () => {
			const wf = withSettings({}, 'privacy-default');
			await post(wf, { email: 'known@example.com' });
			const known = await post(wf, { email: 'known@example.com' });
			const unknown = await post(wf, { email: 'unknown@example.com' });
			assert.deepEqual([known.response.status, known.response.body], [unknown.response.status, unknown.response.body]);
			assert.deepEqual([known.response.status, known.response.body], [201, { ok: true, status: 'subscribed', message: "You're on the list." }]);
			const items = [known, unknown].map((r) => r.workflow?.output(TRIGGER)[0]);
			assert.deepEqual(items.map((i) => [i?.status, i?.created]), [['already_subscribed', false], ['subscribed', true]], 'the workflow still knows');
			assert.match(String(items[0]?.contactId), /^[0-9a-f-]{36}$/);
		});

		it('a foreign website is refused 403 alike for known and unknown addresses, with no CORS header; a listed one and the hosted form are accepted', async () => {
			const wf = withSettings({ allowedOrigins: 'https://mine.example' }, 'privacy-origins');
			await post(wf, { email: 'known@example.com' });
			const evil = { origin: 'https://evil.example' };
			const known = await post(wf, { email: 'known@example.com', consent: 'yes' }, evil);
			const unknown = await post(wf, { email: 'unknown@example.com', consent: 'yes' }, evil);
			assert.deepEqual([known.response.status, known.response.body], [unknown.response.status, unknown.response.body]);
			assert.equal(known.response.status, 403);
			assert.equal(known.response.headers['access-control-allow-origin'], undefined);
			assert.match(JSON.stringify(known.response.body), /add https:\/\/evil\.example to Allowed Origins \(CORS\)/, 'the refusal says which setting accepts the site');

			const mine = await post(wf, { email: 'known@example.com' }, { origin: 'https://mine.example' });
			assert.deepEqual([mine.response.status, mine.response.headers['access-control-allow-origin']], [201, 'https://mine.example']);
			// The hosted form posts from the signup URL's own site (the Host it was served from).
			const hosted = await post(wf, { email: 'hosted@example.com' }, { origin: 'https://n8n.example', host: 'n8n.example' });
			assert.equal(hosted.response.status, 201);

			const byDefault = withSettings({}, 'privacy-origins');
			const landing = await post(byDefault, { email: 'landing@example.com' }, { origin: 'https://landing.example' });
			assert.deepEqual([landing.response.status, landing.response.headers['access-control-allow-origin']], [403, undefined], 'no site is allowed until it is listed');
		});

		it('Answer with Contact Details keeps the detailed answer (201 new / 200 known with the contact id) for the creator\'s own integrations', async () => {
			const wf = withSettings({ answerWithContactDetails: true }, 'privacy-details');
			const first = await post(wf, { email: 'ada@example.com' });
			const again = await post(wf, { email: 'ada@example.com' });
			const body = first.response.body as { contactId: string };
			assert.deepEqual([first.response.status, again.response.status], [201, 200]);
			assert.deepEqual(again.response.body, { ok: true, status: 'already_subscribed', message: "You're already on the list.", contactId: body.contactId, created: false });
		});

		it('consent raised by a repeat signup is recorded in the contact\'s history with the Origin it came from', async () => {
			const wf = withSettings({ allowedOrigins: 'https://mine.example' }, 'privacy-consent');
			const first = await post(wf, { email: 'bea@example.com' });
			const contactId = String(first.workflow?.output(TRIGGER)[0]?.contactId);
			await post(wf, { email: 'bea@example.com', consent: 'yes' }, { origin: 'https://mine.example' });
			const ledger = await getLedger(db.config);
			const raised = (await ledger.contacts.history(contactId)).filter((e) => e.type === 'consent.raised');
			assert.deepEqual(
				raised.map((e) => e.data),
				[{ key: 'marketing', before: null, after: true, by: 'repeat_signup', origin: 'https://mine.example' }],
			);
		});
	});
}
