import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';

const WORKFLOW_ID = 'wlSignupCapture1';

describe('real n8n: the waitlist-signup template', () => {
	let n8n: E2eN8n;
	before(async () => {
		n8n = await startE2eN8n({ workflows: ['workflows/waitlist-signup.json'] });
	});
	after(async () => n8n?.stop());

	it('loads the pack and publishes the template so its production webhook answers', async () => {
		const res = await fetch(`${n8n.baseUrl}/healthz`);
		assert.equal(res.status, 200);
	});

	it('a signup lands as one contact in the ledger SQLite file; the same email again leaves one, answered alike', async () => {
		const first = await n8n.post('waitlist-signup', { email: 'Ada.Lovelace@Example.com', first_name: 'Ada' });
		assert.equal(first.status, 201);
		const firstBody = (await first.json()) as Record<string, unknown>;

		// Known or not, the caller gets the same answer (issue 20 row 8); the run knows which it was.
		const again = await n8n.post('waitlist-signup', { email: 'ada.lovelace@example.com ' });
		assert.equal(again.status, 201);
		assert.deepEqual(await again.json(), firstBody);

		const executions = await n8n.waitForExecutions(WORKFLOW_ID, 2);
		assert.equal(executions.length, 2, 'each accepted signup starts one execution');
		const outputs = executions.map((e) => e.nodes['Waitlist Capture Trigger']?.[0]?.[0] as { contactId?: string; created?: boolean } | undefined);
		const contactId = outputs[0]?.contactId;
		assert.deepEqual(outputs.map((o) => o?.contactId), [contactId, contactId]);
		assert.deepEqual(outputs.map((o) => o?.created).sort(), [false, true]);

		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			assert.equal(await ledger.contacts.count('default'), 1);
			const contact = await ledger.contacts.get(String(contactId));
			assert.equal(contact?.email, 'Ada.Lovelace@Example.com');
		} finally {
			await ledger.close();
		}
	});

	it('answers 422 naming the field for an invalid email, and records no contact', async () => {
		const res = await n8n.post('waitlist-signup', { email: 'not an email' });
		assert.equal(res.status, 422);
		const body = (await res.json()) as { error: string; errors: Array<{ field: string; reason: string }> };
		assert.equal(body.error, 'invalid');
		assert.equal(body.errors[0]?.field, 'email');
		assert.match(body.errors[0]?.reason ?? '', /not a valid email/);
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			assert.equal(await ledger.contacts.count('default'), 1, 'only the earlier valid signup is a contact');
		} finally {
			await ledger.close();
		}
	});

	it('settles 30 concurrent signups of one new email on one contact', async () => {
		const responses = await Promise.all(Array.from({ length: 30 }, () => n8n.post('waitlist-signup', { email: 'burst@example.com' })));
		const bodies = await Promise.all(responses.map((r) => r.json()));
		assert.equal(responses.filter((r) => r.status === 201).length, 30, 'every one is answered alike');
		assert.equal(new Set(bodies.map((b) => JSON.stringify(b))).size, 1);
		const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
		try {
			assert.ok(await ledger.contacts.find({ launch: 'default', kind: 'email', value: 'burst@example.com' }));
			assert.equal(await ledger.contacts.count('default'), 2, 'Ada and one burst contact');
		} finally {
			await ledger.close();
		}
	});
});
