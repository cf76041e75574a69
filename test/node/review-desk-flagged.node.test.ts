import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, type FakeRequest, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The review desk's "Flagged signups" list, in-process: each flagged signup with what flagged it and
 * its held syncs, escaped; Clear sends the held syncs, Confirm as spam drops them, each one ledger call
 * with the signed-in user and the reason, a run of the workflow; a second press is told it was settled.
 */

const TRIGGER = 'Review desk page';
const NEXT = 'Action taken';
const USER = 'desk-team';
const PASSWORD = 'a long desk password';
const LAUNCH = 'flagged-desk';
const HOSTILE = '<img src=x onerror=alert(1)>';

function deskWorkflow(): WorkflowJson {
	return {
		name: 'Review desk flagged test',
		nodes: [
			{ id: 'r1', name: TRIGGER, type: 'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger', typeVersion: 1, position: [0, 0], webhookId: 'review-desk-flagged', parameters: { path: 'waitlist-review', launch: LAUNCH, authentication: 'basicAuth' } },
			{ id: 'r2', name: NEXT, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { [TRIGGER]: { main: [[{ node: NEXT, type: 'main', index: 0 }]] } },
	} as WorkflowJson;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const signedIn = { authorization: basic(USER, PASSWORD) };
const sameOrigin = { ...signedIn, host: 'localhost:5678', origin: 'http://localhost:5678', 'sec-fetch-site': 'same-origin' };

for (const driver of DRIVERS) {
	describe(`[${driver}] Review desk: Flagged signups`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		let credentials: Record<string, ICredentialDataDecryptedObject>;
		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
			credentials = { ...ledgerCredentialFor(db.config), httpBasicAuth: { user: USER, password: PASSWORD } };
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const get = () => runWebhook(deskWorkflow(), { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-review', query: {}, headers: signedIn } as FakeRequest, credentials });
		const post = (body: Record<string, string>) => runWebhook(deskWorkflow(), { node: TRIGGER, webhookName: 'default', request: { method: 'POST', path: '/webhook/waitlist-review', body, headers: sameOrigin } as FakeRequest, credentials });
		async function flaggedSignup(email: string, fields: Record<string, string> = {}): Promise<string> {
			const body = { email, ...fields };
			const result = await ledger.capture.submit({
				launch: LAUNCH,
				options: { abuse: { holdFlaggedSync: true } },
				request: { body: { ok: true, contentType: 'application/json', fields: body, raw: JSON.stringify(body) }, remoteAddress: '203.0.113.5' },
			});
			assert.ok(result.accepted && result.result.abuse.flagged, JSON.stringify(result));
			return result.accepted ? result.result.contactId : '';
		}
		const statuses = async (contactId: string) => (await ledger.outbox.list({ launch: LAUNCH, contactId })).map((e) => e.status);

		it('lists flagged signups with what flagged them and their held syncs, escaped; Clear sends the syncs, Confirm as spam drops them, once', async () => {
			const real = await flaggedSignup('team@mailinator.com');
			const spam = await flaggedSignup(`<b>bot</b>@eu.yopmail.com`, { first_name: HOSTILE });
			const page = await get();
			assert.equal(page.response.status, 200);
			const html = String(page.response.body);
			assert.match(html, /<h2 id="flagged-signups-title">Flagged signups<\/h2>/);
			assert.match(html, /<strong>team@mailinator\.com<\/strong>.*2 syncs held until you decide/);
			assert.match(html, /disposable email domain \(mailinator\.com\)/);
			assert.match(html, new RegExp(`name="contactId" value="${real}"`));
			assert.match(html, /<strong>&lt;b&gt;bot&lt;\/b&gt;@eu\.yopmail\.com<\/strong>/);
			assert.doesNotMatch(html, /<img src=x|<b>bot/);

			const cleared = await post({ action: 'clearFlagged', contactId: real, reason: 'our own team address' });
			assert.equal(cleared.response.status, 200);
			assert.match(String(cleared.response.body), new RegExp(`Cleared: a real signup \\(contact ${real}\\)\\. 2 held syncs will be sent now\\.`));
			assert.deepEqual(cleared.workflow?.output(NEXT).map((j) => [j.action, j.by, j.reason, j.contactId]), [['clearFlagged', USER, 'our own team address', real]]);
			assert.deepEqual(await statuses(real), ['pending', 'pending']);
			assert.deepEqual((await ledger.abuse.flagsFor(real)).map((f) => [f.status, f.reviewedBy]), [['cleared', USER]]);

			const confirmed = await post({ action: 'confirmSpam', contactId: spam, reason: 'bot burst' });
			assert.equal(confirmed.response.status, 200);
			assert.match(String(confirmed.response.body), /Confirmed as spam .* 2 held syncs discarded: never sent\./);
			assert.deepEqual(await statuses(spam), ['discarded', 'discarded']);

			const again = await post({ action: 'clearFlagged', contactId: spam, reason: 'second tab' });
			assert.equal(again.response.status, 400);
			assert.match(String(again.response.body), /no open abuse flag/);
			assert.equal(again.workflow, undefined);
			assert.deepEqual(await statuses(spam), ['discarded', 'discarded'], 'nothing done twice');
			assert.match(String((await get()).response.body), /No flagged signups wait\./);
		});

		it('a press without a contact is refused naming the field', async () => {
			const { response } = await post({ action: 'confirmSpam', reason: 'no contact' });
			assert.equal(response.status, 400);
			assert.match(String(response.body), /use the buttons of a signup under Flagged signups/);
		});
	});
}
