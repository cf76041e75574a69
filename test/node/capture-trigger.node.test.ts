import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runWebhook, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { getLedger, closeAllLedgers } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';

const template = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'waitlist-signup.json'), 'utf8')) as WorkflowJson;
const TRIGGER = 'Waitlist Capture Trigger';

for (const driver of DRIVERS) {
	describe(`[${driver}] signup template in-process: Waitlist Capture Trigger`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('answers 201 with the contact id, and 200 with the same id for the same person', async () => {
			const credentials = ledgerCredentialFor(db.config);
			const first = await runWebhook(template, { node: TRIGGER, request: { body: { email: 'Ada@Example.com', first_name: 'Ada' } }, credentials });
			assert.equal(first.response.status, 201);
			const body = first.response.body as { contactId: string; created: boolean };
			assert.equal(body.created, true);
			assert.match(body.contactId, /^[0-9a-f-]{36}$/);
			assert.equal(first.workflow?.output(TRIGGER)[0]?.contactId, body.contactId, 'the workflow gets the contact id');

			const again = await runWebhook(template, { node: TRIGGER, request: { body: { email: ' ada@example.com' } }, credentials });
			assert.equal(again.response.status, 200);
			assert.equal((again.response.body as { contactId: string }).contactId, body.contactId);

			const ledger = await getLedger(db.config);
			assert.equal(await ledger.contacts.count('default'), 1);
		});

		it('answers 422 naming the field for an invalid email, and starts no execution', async () => {
			const result = await runWebhook(template, { node: TRIGGER, request: { body: { email: 'nope' } }, credentials: ledgerCredentialFor(db.config) });
			assert.equal(result.response.status, 422);
			assert.deepEqual((result.response.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field), ['email']);
			assert.equal(result.workflow, undefined);
		});
	});
}
