import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { closeAllLedgers, getLedger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { startFakeSmtp, type FakeSmtp } from '../support/smtp-fake';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The signup template with the trigger's Double Opt-In on (n8n sends the email): Kit and HubSpot are
 * skipped and the confirmation email waits in the outbox; the Double opt-in emails template mails the
 * signed link through its Send Email node (a local fake mail server) and acks the entry; opening the
 * link on the trigger's …/confirm shows a button, which confirms once and releases the syncs.
 */
const TRIGGER = 'Waitlist Capture Trigger';

const template_ = (file: string): WorkflowJson => JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', file), 'utf8')) as WorkflowJson;

function optInTemplate(): WorkflowJson {
	const wf = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'waitlist-signup.json'), 'utf8')) as WorkflowJson;
	const trigger = wf.nodes.find((n) => n.name === TRIGGER)!;
	trigger.parameters = { ...trigger.parameters, settings: { doubleOptIn: 'n8n' } };
	return wf;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] signup template in-process: double opt-in email and confirmation`, () => {
		let db: TestDatabase;
		let smtp: FakeSmtp;
		before(async () => {
			db = await freshDatabase(driver);
			smtp = await startFakeSmtp();
		});
		after(async () => {
			await smtp.close();
			await closeAllLedgers();
			await db.drop();
		});

		it('mails the confirmation link and acks it; Kit and HubSpot wait; the link confirms once and releases them', async () => {
			const template = optInTemplate();
			const emailTemplate = template_('double-opt-in-email.json');
			const credentials = { ...ledgerCredentialFor(db.config), smtp: { host: '127.0.0.1', port: smtp.port, secure: false, disableStartTls: true, user: '', password: '' } };
			const result = await runWebhook(template, { node: TRIGGER, request: { body: { email: 'ada@example.com', first_name: 'Ada' } }, credentials });
			assert.equal(result.response.status, 201);
			assert.equal(result.workflow?.ran('Kit: add subscriber'), false, 'Kit waits for the confirmation');
			assert.equal(result.workflow?.ran('HubSpot: upsert contact'), false, 'HubSpot waits for the confirmation');
			assert.equal(smtp.messages.length, 0, 'the signup template sends no email itself');
			const sender = await runWorkflow(emailTemplate, { trigger: { node: 'Every 30 seconds', items: [{ json: {} }] }, credentials });
			assert.equal(sender.error('Email: confirm address'), undefined, sender.error('Email: confirm address')?.message);
			assert.equal(sender.output('Ledger: email sent')[0]?.outcome, 'done');
			assert.equal(smtp.messages.length, 1);
			assert.deepEqual(smtp.messages[0]!.to, ['ada@example.com']);
			const resend = await runWorkflow(emailTemplate, { trigger: { node: 'Every 30 seconds', items: [{ json: {} }] }, credentials });
			assert.equal(resend.ran('Email: confirm address'), false, 'sent once');
			const body = smtp.messages[0]!.data.replace(/=\r\n/g, '').replace(/=3D/g, '=');
			const link = /https?:\/\/\S+\/confirm\?token=\S+/.exec(body)?.[0];
			assert.ok(link, `the email carries the link: ${body}`);
			assert.match(body, /Hi Ada,/);

			const ledger = await getLedger(db.config);
			const contactId = String(result.workflow?.output(TRIGGER)[0]?.contactId);
			const statuses = async () => (await ledger.outbox.list({ launch: 'default', contactId })).map((e) => `${e.kind}:${e.status}`).sort();
			assert.deepEqual(await statuses(), ['crm_sync:unconfirmed', 'esp_sync:unconfirmed', 'optin_email:done']);

			const token = new URL(link).searchParams.get('token')!;
			const open = () => runWebhook(template, { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-signup/confirm', query: { token } }, credentials });
			const press = () => {
				const form = `token=${encodeURIComponent(token)}`;
				return runWebhook(template, {
					node: TRIGGER,
					webhookName: 'default',
					request: { method: 'POST', path: '/webhook/waitlist-signup/confirm', query: { token }, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: { token }, rawBody: Buffer.from(form) },
					credentials,
				});
			};
			// Opening the link (what a mail scanner does too) only shows the button.
			const opened = await open();
			assert.equal(opened.response.status, 200);
			assert.match(String(opened.response.body), /<button type="submit">Confirm my email<\/button>/);
			assert.deepEqual(await statuses(), ['crm_sync:unconfirmed', 'esp_sync:unconfirmed', 'optin_email:done'], 'opening the link confirms nothing');
			const confirmed = await press();
			assert.equal(confirmed.response.status, 200);
			assert.match(String(confirmed.response.body), /You&#39;re confirmed|You're confirmed/);
			assert.equal(confirmed.workflow, undefined, 'a confirmation starts no run');
			assert.deepEqual(await statuses(), ['crm_sync:pending', 'esp_sync:pending', 'optin_email:done'], 'released for the outbox drain');
			assert.match(String((await press()).response.body), /Already confirmed/);
			const again = await open();
			assert.match(String(again.response.body), /Already confirmed/);
			const tampered = await runWebhook(template, { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-signup/confirm', query: { token: `${token}x` } }, credentials });
			assert.equal(tampered.response.status, 400);
			assert.match(String(tampered.response.body), /This link is not valid/);
		});
	});
}
