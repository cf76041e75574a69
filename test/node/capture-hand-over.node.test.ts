import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { closeAllLedgers, getLedger, QUEUED_RUN_LEASE_MS, RUN_LEASE_MS } from '../../ledger';
import { storeConfigFromCredential } from '../../nodes/shared/ledgerAccess';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

const template = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'waitlist-signup.json'), 'utf8')) as WorkflowJson;
const TRIGGER = 'Waitlist Capture Trigger';
/** The template's trigger alone: what matters here is what the trigger does as the run starts. */
const triggerOnly: WorkflowJson = { ...template, nodes: template.nodes.filter((n) => n.name === TRIGGER), connections: {} };

for (const driver of DRIVERS) {
	describe(`[${driver}] Waitlist Capture Trigger: the run takes over its sync entries`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('the webhook claims them with the queued-run lease; the started run holds them with a short lease in its own name', async () => {
			const credentials = ledgerCredentialFor(db.config);
			const ledger = await getLedger(db.config);
			const queued = await runWebhook(triggerOnly, { node: TRIGGER, request: { body: { email: 'queued@example.com' } }, credentials });
			const queuedSync = await ledger.outbox.list({ launch: 'default', contactId: String(queued.workflow?.output(TRIGGER)[0]?.contactId) });
			assert.deepEqual(queuedSync.map((e) => e.kind).sort(), ['crm_sync', 'esp_sync']);
			for (const entry of queuedSync) {
				assert.equal(entry.claimedBy, `n8n:${TRIGGER}`, 'pinned trigger output: nothing took the claim over');
				assert.equal(entry.leaseUntil! - entry.updatedAt, QUEUED_RUN_LEASE_MS, 'the queued-run lease from the claim');
			}

			const started = Date.now();
			const run = await runWebhook(triggerOnly, { node: TRIGGER, request: { body: { email: 'running@example.com' } }, credentials, triggerRuns: true });
			const item = run.workflow?.output(TRIGGER)[0] as { contactId: string; sync: Record<string, { id: string }> };
			assert.deepEqual(Object.keys(item.sync).sort(), ['crm_sync', 'esp_sync'], 'the items pass through unchanged');
			const runSync = await ledger.outbox.list({ launch: 'default', contactId: item.contactId });
			assert.equal(runSync.length, 2);
			for (const entry of runSync) {
				assert.equal(entry.status, 'claimed');
				assert.match(entry.claimedBy ?? '', /^n8n:[^:]+:/, 'held in the run\'s name (workflow and execution)');
				assert.ok(entry.leaseUntil! <= Date.now() + RUN_LEASE_MS && entry.leaseUntil! >= started + RUN_LEASE_MS, 'the short run lease');
				assert.equal(entry.attempts, 1, 'still the first attempt');
			}
			// The ledger the node opened from its credential: its keeper renews them while this process lives.
			const nodeLedger = await getLedger(storeConfigFromCredential(credentials.waitlistLedgerApi));
			assert.equal(nodeLedger.outbox.claimKeeper.size, 2, 'this process keeps renewing them');
			nodeLedger.outbox.claimKeeper.clear();
		});

		it('a run that starts after the drain took its entries leaves them out of its item, so the "sync due?" steps of the template skip them', async () => {
			const credentials = ledgerCredentialFor(db.config);
			const ledger = await getLedger(db.config);
			const queued = await runWebhook(triggerOnly, { node: TRIGGER, request: { body: { email: 'slow-queue@example.com' } }, credentials });
			const item = queued.workflow!.output(TRIGGER)[0] as { contactId: string; sync: Record<string, { id: string }> };
			// The run waited in n8n's queue past the queued-run lease; the drain took the Kit entry and sent it.
			const [drained] = await ledger.outbox.claim({ launch: 'default', ids: [item.sync.esp_sync!.id], limit: 1, leaseMs: 60_000, workerId: 'drain', now: Date.now() + QUEUED_RUN_LEASE_MS });
			assert.ok(drained, 'the drain took the Kit entry');
			await ledger.outbox.ack('default', [drained]);

			const late = await runWorkflow(triggerOnly, { trigger: { node: TRIGGER, items: [{ json: item }] }, credentials, triggerRuns: true });
			const started = late.output(TRIGGER)[0] as { sync: Record<string, unknown>; syncHandedOver?: Record<string, string> };
			assert.deepEqual(Object.keys(started.sync), ['crm_sync'], 'only HubSpot is still this run\'s to send');
			assert.match(started.syncHandedOver?.esp_sync ?? '', /already sent by the outbox drain/);
			const crm = await ledger.outbox.get(item.sync.crm_sync!.id);
			assert.match(crm?.claimedBy ?? '', /^n8n:[^:]+:/, 'the run took its HubSpot entry over');
			const nodeLedger = await getLedger(storeConfigFromCredential(credentials.waitlistLedgerApi));
			nodeLedger.outbox.claimKeeper.clear();
		});
	});
}
