import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { closeAllLedgers, getLedger, RUN_LEASE_MS } from '../../ledger';
import { storeConfigFromCredential } from '../../nodes/shared/ledgerAccess';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, type WorkflowJson } from '../support/n8n-in-process';
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

		it('the webhook claims them for 10 minutes; the started run holds them with a short lease in its own name', async () => {
			const credentials = ledgerCredentialFor(db.config);
			const ledger = await getLedger(db.config);
			const queued = await runWebhook(triggerOnly, { node: TRIGGER, request: { body: { email: 'queued@example.com' } }, credentials });
			const queuedSync = await ledger.outbox.list({ launch: 'default', contactId: String(queued.workflow?.output(TRIGGER)[0]?.contactId) });
			assert.deepEqual(queuedSync.map((e) => e.kind).sort(), ['crm_sync', 'esp_sync']);
			for (const entry of queuedSync) {
				assert.equal(entry.claimedBy, `n8n:${TRIGGER}`, 'pinned trigger output: nothing took the claim over');
				assert.ok(entry.leaseUntil! - entry.updatedAt >= 10 * 60_000 - 1_000);
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
	});
}
