import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { START, actionWorkflow, items } from '../support/action-workflow';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/*
 * What every action node gets from the one item runner (nodes/shared/runner.ts): the ledger opened
 * inside the item's try, errors that say what to fix, and n8n's "continue" modes with pairedItem.
 */

/** A PostgreSQL credential nothing listens behind: the ledger cannot be opened. */
const UNREACHABLE_LEDGER = {
	waitlistLedgerApi: { driver: 'postgres', postgresConnection: 'fields', host: '127.0.0.1', port: 1, database: 'none', user: 'none', password: 'none', ssl: 'disable' },
};

/** One operation per action node, with the output its error items leave on under "continue". */
const NODES: Array<{ name: string; type: string; parameters: IDataObject; errorOutput: number }> = [
	{ name: 'Waitlist Contact', type: 'waitlistContact', parameters: { operation: 'get', contactId: 'c-1' }, errorOutput: 0 },
	{ name: 'Waitlist Tags', type: 'waitlistTags', parameters: { resource: 'registry', operation: 'list' }, errorOutput: 0 },
	{ name: 'Access Outbox', type: 'accessOutbox', parameters: { operation: 'status' }, errorOutput: 0 },
	{ name: 'Access Outbox', type: 'accessOutbox', parameters: { operation: 'ack', entryId: 'e-1', claimToken: 't-1' }, errorOutput: 0 },
	{ name: 'Purchase Match', type: 'purchaseMatch', parameters: { resource: 'purchase', operation: 'dueRevocations' }, errorOutput: 0 },
	{ name: 'Reconcile Sweep', type: 'reconcileSweep', parameters: { operation: 'findDueWork' }, errorOutput: 1 },
];

describe('item runner: a ledger that cannot be opened', () => {
	after(closeAllLedgers);

	for (const node of NODES) {
		const label = `${node.name} ${String(node.parameters.operation)}`;
		it(`${label}: stops with an error that points at the Waitlist Ledger credential`, async () => {
			const result = await runWorkflow(actionWorkflow({ ...node, parameters: { launch: 'runner', ...node.parameters } }), {
				trigger: { node: START, items: items({ n: 1 }, { n: 2 }) },
				credentials: UNREACHABLE_LEDGER,
			});
			const error = result.error(node.name);
			assert.equal(error?.name, 'NodeOperationError');
			assert.match(String(error?.description), /Check the Waitlist Ledger credential/);
		});

		it(`${label}: with "continue", the failure is reported on the items, with their pairedItem`, async () => {
			const result = await runWorkflow(actionWorkflow({ ...node, parameters: { launch: 'runner', ...node.parameters }, onError: 'continueRegularOutput' }), {
				trigger: { node: START, items: items({ n: 1 }, { n: 2 }) },
				credentials: UNREACHABLE_LEDGER,
			});
			assert.equal(result.error(node.name), undefined);
			const out = result.run.data.resultData.runData[node.name]![0]!.data!.main[node.errorOutput]!;
			// Reconcile Sweep runs once for all its input: one error, paired with the first item.
			const expected = node.type === 'reconcileSweep' ? [{ item: 0 }] : [{ item: 0 }, { item: 1 }];
			assert.deepEqual(
				out.map((i) => i.pairedItem),
				expected,
			);
			assert.ok(out.every((i) => typeof i.json.error === 'string' && i.json.field === null), JSON.stringify(out.map((i) => i.json)));
		});
	}
});

for (const driver of DRIVERS) {
	describe(`[${driver}] item runner: Access Outbox Ack settles per launch`, () => {
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

		it('with "continue (using error output)", a bad item leaves on the Error output naming the field; the rest are settled', async () => {
			const launch = 'runner-ack';
			for (const key of ['r1', 'r2']) await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: key });
			const claimed = await ledger.outbox.claim({ launch, limit: 2, leaseMs: 60_000, workerId: 'test' });
			const input = items({ id: claimed[0]!.id, claimToken: '' }, { id: claimed[1]!.id, claimToken: claimed[1]!.claimToken });
			const result = await runWorkflow(actionWorkflow({ name: 'Access Outbox', type: 'accessOutbox', parameters: { operation: 'ack', launch }, onError: 'continueErrorOutput' }), {
				trigger: { node: START, items: input },
				credentials: ledgerCredentialFor(db.config),
			});
			assert.equal(result.error('Access Outbox'), undefined);
			const main = result.run.data.resultData.runData['Access Outbox']![0]!.data!.main;
			assert.deepEqual(
				main[0]!.map((i) => [i.json.outcome, i.pairedItem]),
				[['done', { item: 1 }]],
			);
			const [failed] = main[1]!;
			assert.match(String(failed!.json.error), /^Claim Token: is required/);
			assert.deepEqual(failed!.json.details, { field: 'claimToken' });
			assert.deepEqual(failed!.pairedItem, { item: 0 });
			assert.equal((await ledger.outbox.get(claimed[1]!.id))?.status, 'done');
			assert.equal((await ledger.outbox.get(claimed[0]!.id))?.status, 'claimed', 'the bad item settled nothing');
		});
	});
}
