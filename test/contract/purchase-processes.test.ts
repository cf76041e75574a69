import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { stripe } from '../support/purchase-fixtures';
import { startBarrierWorker } from '../support/barrier-worker';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

interface Outcome {
	duplicate: boolean;
	httpStatus: number;
	decision: string | null;
}

const startWorker = (args: object) => startBarrierWorker<Outcome[]>('test/support/purchase-delivery-worker.ts', args);

const SECRET = 'whsec_processes';
const PROCESSES = 4;
const PER_PROCESS = 5;

for (const driver of DRIVERS) {
	describe(`[${driver}] one webhook delivered ${PROCESSES * PER_PROCESS}× from ${PROCESSES} OS processes at once`, () => {
		let db: TestDatabase;
		let contactId: string;
		before(async () => {
			db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				await ledger.purchases.defineProduct({ launch: 'procs', productId: 'course', amount: 5900, currency: 'USD' });
				contactId = (await ledger.contacts.upsert({ launch: 'procs', email: 'ada@example.com' })).contactId;
			} finally {
				await ledger.close();
			}
		});
		after(async () => db.drop());

		it('is stored once, answered 200 every time, processed once, and grants once', async () => {
			const rawBody = JSON.stringify(stripe.checkoutCompleted('evt_procs'));
			const t = Math.floor(Date.now() / 1000);
			const headers = { 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${rawBody}`).digest('hex')}` };
			const workers = Array.from({ length: PROCESSES }, () => startWorker({ config: db.config, launch: 'procs', rawBody, headers, secret: SECRET, deliveries: PER_PROCESS }));
			await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.result))]);
			for (const w of workers) w.go();
			const outcomes = (await Promise.all(workers.map((w) => w.result))).flat();
			assert.equal(outcomes.length, PROCESSES * PER_PROCESS);
			assert.ok(outcomes.every((o) => o.httpStatus === 200));
			assert.deepEqual(outcomes.filter((o) => !o.duplicate).map((o) => o.decision), ['grant']);

			const ledger = new Ledger(await openStore(db.config));
			try {
				const inbox = await ledger.purchases.inbox('procs');
				assert.deepEqual(inbox.map((e) => [e.eventId, e.attempts, e.status]), [['evt_procs', PROCESSES * PER_PROCESS, 'processed']]);
				const grants = await ledger.store.query<{ kind: string }>('SELECT kind FROM outbox WHERE launch = $1 AND contact_id = $2', ['procs', contactId]);
				assert.deepEqual(grants.map((g) => g.kind), ['grant']);
			} finally {
				await ledger.close();
			}
		});
	});
}
