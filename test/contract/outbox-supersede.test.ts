import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] outbox: dead syncs a later sync delivered`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('are settled as done, naming the entry that did the work; grants, other contacts and undelivered ones stay dead', async () => {
			const launch = 'supersede';
			const ada = (await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' })).contactId;
			const bob = (await t.ledger.contacts.upsert({ launch, email: 'bob@example.com' })).contactId;
			const kill = async (key: string, kind: string, contactId: string) => {
				await t.ledger.outbox.enqueue({ launch, kind, idempotencyKey: key, contactId, maxAttempts: 1 });
				const [entry] = await t.ledger.outbox.claim({ launch, ids: [(await t.ledger.outbox.list({ launch })).find((e) => e.idempotencyKey === key)!.id], limit: 1, leaseMs: 60_000, workerId: 'drain' });
				await t.ledger.outbox.fail(launch, [{ id: entry!.id, claimToken: entry!.claimToken, error: 'HubSpot timed out' }]);
				return entry!.id;
			};
			const deliver = async (key: string, kind: string, contactId: string) => {
				const { id } = await t.ledger.outbox.enqueue({ launch, kind, idempotencyKey: key, contactId });
				const [entry] = await t.ledger.outbox.claim({ launch, ids: [id], limit: 1, leaseMs: 60_000, workerId: 'sweep' });
				await t.ledger.outbox.ack(launch, [{ id, claimToken: entry!.claimToken, responseId: 'hs-1' }]);
				return id;
			};
			const adaCrm = await kill('crm:ada', 'crm_sync', ada);
			const adaEsp = await kill('esp:ada', 'esp_sync', ada);
			const adaGrant = await kill('grant:ada', 'grant', ada);
			const bobCrm = await kill('crm:bob', 'crm_sync', bob);
			const fix = await deliver('reconcile:crm_sync:ada', 'crm_sync', ada);
			await deliver('reconcile:grant:ada', 'grant', ada);

			const settled = await t.ledger.outbox.settleSuperseded({ launch, source: 'test' });
			assert.deepEqual(settled, [{ id: adaCrm, contactId: ada, kind: 'crm_sync', supersededBy: fix }]);
			const entry = await t.ledger.outbox.get(adaCrm);
			assert.deepEqual([entry!.status, entry!.responseId, entry!.lastError], ['done', `superseded by ${fix}`, 'HubSpot timed out']);
			for (const id of [adaEsp, adaGrant, bobCrm]) assert.equal((await t.ledger.outbox.get(id))!.status, 'dead');
			const events = await t.ledger.contacts.history(ada, { types: ['outbox.superseded'] });
			assert.deepEqual(events.map((e) => e.data), [{ entryId: adaCrm, kind: 'crm_sync', supersededBy: fix }]);
			assert.deepEqual(await t.ledger.outbox.settleSuperseded({ launch }), [], 'settled once');
		});
	});
}
