import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { runWorkflow, type WorkflowRunResult } from '../support/n8n-in-process';
import { START, actionWorkflow, items } from '../support/action-workflow';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { ledgerCredentialFor } from '../support/ledger-credential';

/** Waitlist Contact → Get Place in Line and Get Referrals, on a ledger where signups came through referral links. */
const NODE = 'Waitlist Contact';
const LAUNCH = 'default';

for (const driver of DRIVERS) {
	describe(`[${driver}] Waitlist Contact: place in line and referrals`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const run = (parameters: IDataObject, input: IDataObject[]): Promise<WorkflowRunResult> =>
			runWorkflow(actionWorkflow({ name: NODE, type: 'waitlistContact', parameters }), { trigger: { node: START, items: items(...input) }, credentials: ledgerCredentialFor(db.config) });

		async function signup(email: string, ref?: string): Promise<{ contactId: string; code: string }> {
			const fields = { email, ...(ref ? { ref } : {}) };
			const result = await ledger.capture.submit({ launch: LAUNCH, options: {}, request: { body: { ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) }, remoteAddress: '203.0.113.4', userAgent: 'node-test' } });
			assert.ok(result.accepted, JSON.stringify(result));
			return { contactId: result.result.contactId, code: result.result.referral.code };
		}

		it('Get Place in Line gives the place, the code and the link; a credited referral moves the person up', async () => {
			const first = await signup('first@example.com');
			const second = await signup('second@example.com');
			await signup('third@example.com');
			await ledger.referrals.setSpotsPerReferral(LAUNCH, 5);
			await signup('friend@example.com', second.code);

			const result = await run({ operation: 'place', contactId: '={{ $json.contactId }}', referralLinkBase: 'https://example.com/waitlist?lang=en' }, [{ contactId: second.contactId }, { contactId: first.contactId }]);
			assert.equal(result.error(NODE), undefined, result.error(NODE)?.message);
			const [secondOut, firstOut] = result.output(NODE);
			assert.equal(secondOut!.placeInLine, 1, 'number 2 with one referral worth 5 places is first');
			assert.equal(firstOut!.placeInLine, 2);
			assert.equal(secondOut!.peopleInLine, 4);
			assert.equal(secondOut!.referralCode, second.code);
			assert.equal(secondOut!.referralLink, `https://example.com/waitlist?lang=en&ref=${second.code}`);
			assert.equal(secondOut!.referralCount, 1);
		});

		it('Get Referrals lists who a person brought and whether each counted', async () => {
			const host = await signup('host@example.com');
			const guest = await signup('guest@example.com', host.code);
			await signup('host+again@example.com', host.code); // the same mailbox: not counted
			const result = await run({ operation: 'referrals', contactId: host.contactId }, [{}]);
			assert.equal(result.error(NODE), undefined, result.error(NODE)?.message);
			const out = result.output(NODE)[0]!;
			assert.equal(out.referralCount, 1);
			assert.equal(out.referralLink, null, 'no landing page given: the code alone');
			const list = out.referrals as IDataObject[];
			assert.equal(list.length, 2);
			assert.deepEqual(
				list.map((r) => r.status).sort(),
				['credited', 'refused'],
			);
			assert.equal(list.find((r) => r.status === 'credited')!.contactId, guest.contactId);
		});

		it('a contact added without a signup gets its code and the end of the line when asked; a bad landing page is named', async () => {
			const added = await run({ operation: 'upsert', email: '={{ $json.email }}' }, [{ email: 'imported@example.com' }]);
			const contactId = String(added.output(NODE)[0]!.contactId);
			const result = await run({ operation: 'place', contactId }, [{}]);
			const out = result.output(NODE)[0]!;
			assert.match(String(out.referralCode), /^[0-9A-Z]{8}$/);
			assert.equal(out.placeInLine, out.peopleInLine, 'joins at the end');
			const bad = await run({ operation: 'place', contactId, referralLinkBase: 'example.com/waitlist' }, [{}]);
			assert.match(String(bad.error(NODE)?.message ?? ''), /Landing Page for Referral Links|referralLinkBase/);
		});
	});
}
