import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * Queue mode can run two scheduled reconciliations at once (a run that outlived its schedule, or two
 * n8n mains by mistake): each difference must still become one piece of outbox work.
 */
for (const driver of DRIVERS) {
	describe(`[${driver}] two OS processes sweeping the same launch at the same moment`, () => {
		let db: TestDatabase;
		const contacts = 400;
		before(async () => {
			db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				for (let i = 0; i < contacts; i++) await ledger.contacts.upsert({ launch: 'sweeps', email: `p${i}@example.com` });
			} finally {
				await ledger.close();
			}
		});
		after(async () => db.drop());

		it('each contact missing at a vendor gets one fix-up, whichever process found it first', async (t) => {
			const all = Array.from({ length: contacts }, (_, i) => `p${i}@example.com`);
			// Kit lacks every third contact, HubSpot every fifth.
			const args = { config: db.config, launch: 'sweeps', espEmails: all.filter((_, i) => i % 3 !== 0), crmEmails: all.filter((_, i) => i % 5 !== 0) };
			const workers = ['s1', 's2'].map(() => startBarrierWorker<{ esp: number; crm: number }>('test/support/reconcile-sweep-worker.ts', args));
			await Promise.all(workers.map((w) => w.ready));
			for (const w of workers) w.go();
			const reports = await Promise.all(workers.map((w) => w.result));
			const missingEsp = all.filter((_, i) => i % 3 === 0).length;
			const missingCrm = all.filter((_, i) => i % 5 === 0).length;
			// Each report counts what its sweep found missing and not yet queued when it looked; at the
			// same moment both may count one difference (their sum is then more than the differences).
			// What must hold is in the outbox, below.
			t.diagnostic(`missing per sweep: ${JSON.stringify(reports)} (differences: esp ${missingEsp}, crm ${missingCrm})`);
			for (const report of reports) assert.ok(report.esp <= missingEsp && report.crm <= missingCrm);

			const ledger = new Ledger(await openStore(db.config));
			try {
				const entries = await ledger.outbox.list({ launch: 'sweeps', limit: 1000 });
				const keys = entries.map((e) => e.idempotencyKey);
				assert.equal(new Set(keys).size, keys.length, 'no fix-up twice');
				assert.equal(entries.filter((e) => e.kind === 'esp_sync').length, missingEsp, 'one Kit fix-up per contact Kit lacks');
				assert.equal(entries.filter((e) => e.kind === 'crm_sync').length, missingCrm, 'one HubSpot fix-up per contact HubSpot lacks');
			} finally {
				await ledger.close();
			}
		});
	});
}
