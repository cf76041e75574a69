import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CHECKLIST_STEP_IDS, LedgerInputError } from '../../ledger';
import { deleteTestLaunch, launchTables, testLaunchLeftovers } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/*
 * Issue 16: the pre-launch checklist's memory. A run per launch with its own test launch, each step's
 * latest result with evidence and a fix, the records a run created, and a Clean Up that leaves the
 * test launch empty and the real launch as it was.
 */

for (const driver of DRIVERS) {
	describe(`[${driver}] checklist: runs, step results, records, clean-up`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('a run has its own test launch named after the launch and the run; the newest run of a launch is found', async () => {
			const first = await t.ledger.checklist.start({ launch: 'spring', mode: 'dry', settings: { sources: [{ source: 'instagram' }] }, now: 1_000 });
			const second = await t.ledger.checklist.start({ launch: 'spring', mode: 'live', now: 2_000 });
			assert.match(first.id, /^ck_[0-9a-z]+$/);
			assert.equal(first.testLaunch, `spring--checklist-${first.id}`);
			assert.notEqual(first.testLaunch, second.testLaunch);
			assert.deepEqual([first.mode, first.status, first.settings], ['dry', 'open', { sources: [{ source: 'instagram' }] }]);
			assert.equal((await t.ledger.checklist.latest('spring'))?.id, second.id);
			assert.equal(await t.ledger.checklist.latest('autumn'), null);
			assert.equal((await t.ledger.checklist.get(first.id))?.testLaunch, first.testLaunch);
		});

		it('bad input names the field and the reason', async () => {
			const field = async (work: Promise<unknown>) => {
				const error = await work.then(() => null, (e: unknown) => e);
				assert.ok(error instanceof LedgerInputError, String(error));
				return `${error.field}: ${error.reason}`;
			};
			assert.match(await field(t.ledger.checklist.start({ launch: 'spring', mode: 'rehearsal' })), /^mode: must be "dry" .* got "rehearsal"/);
			assert.match(await field(t.ledger.checklist.start({ launch: ' ', mode: 'dry' })), /^launch: is required/);
			assert.match(await field(t.ledger.checklist.start({ launch: 'x--checklist-ck_1', mode: 'dry' })), /^launch: .*already a checklist's test launch/);
			const run = await t.ledger.checklist.start({ launch: 'input', mode: 'dry' });
			assert.match(await field(t.ledger.checklist.recordStep({ runId: 'ck_nope', step: 'utm_capture', status: 'passed' })), /^runId: no checklist run has id "ck_nope"/);
			assert.match(await field(t.ledger.checklist.recordStep({ runId: run.id, step: 'utm', status: 'passed' })), /^step: must be one of utm_capture, /);
			assert.match(await field(t.ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'ok' })), /^status: must be one of passed, failed, waiting, skipped/);
			assert.match(await field(t.ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'failed' })), /^fix: is required when a step failed/);
			assert.match(await field(t.ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'skipped' })), /^reason: is required when a step is skipped/);
			assert.match(await field(t.ledger.checklist.recordStep({ runId: run.id, step: 'purchase_flow', status: 'waiting', reason: '' })), /^reason: is required when a step is waiting/);
			assert.match(await field(t.ledger.checklist.noteRemoval({ runId: run.id, system: 'kit', kind: 'subscriber', recordId: 'a@example.com', removal: 'not_removable' })), /^note: is required/);
		});

		it('a step keeps its latest result and counts attempts; the report lists every step in order, those not run yet as not run', async () => {
			const run = await t.ledger.checklist.start({ launch: 'report', mode: 'dry' });
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'failed', fix: 'Create the custom field utm_campaign in Kit.', evidence: { kit: { fields: {} } }, now: 10 });
			const again = await t.ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'passed', fix: 'ignored when passed', evidence: { kit: { fields: { utm_campaign: 'spring' } } }, now: 20 });
			assert.deepEqual([again.status, again.fix, again.attempts, again.finishedAt], ['passed', null, 2, 20]);
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'purchase_flow', status: 'waiting', reason: 'Waiting for the payment of the checkout link.' });
			const report = await t.ledger.checklist.report(run.id);
			assert.deepEqual(report.steps.map((s) => s.step), [...CHECKLIST_STEP_IDS]);
			assert.deepEqual(report.steps.map((s) => `${s.number}:${s.status}`), ['1:passed', '2:not_run', '3:waiting', '4:not_run', '5:not_run', '6:not_run']);
			assert.deepEqual(report.steps[0]!.evidence, { kit: { fields: { utm_campaign: 'spring' } } });
			assert.equal(report.steps[1]!.reason, 'Not run yet in this run.');
			assert.equal(report.steps[3]!.reason, 'Not run yet in this run.', 'every step is built now, step 4 too');
			assert.deepEqual(report.counts, { passed: 1, failed: 0, waiting: 1, skipped: 0, not_run: 4 });
			assert.equal(report.ready, false, 'a waiting step and an unrun built step are not ready');
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'purchase_flow', status: 'passed' });
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'rollback_drill', status: 'skipped', reason: 'No kill switch on this launch.' });
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'tag_vocabulary', status: 'passed' });
			assert.equal((await t.ledger.checklist.report(run.id)).ready, false, 'step 5 is built and not run yet');
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'monitoring', status: 'passed' });
			assert.equal((await t.ledger.checklist.report(run.id)).ready, false, 'step 4 is built and not run yet');
			await t.ledger.checklist.recordStep({ runId: run.id, step: 'edge_cases', status: 'passed' });
			assert.equal((await t.ledger.checklist.report(run.id)).ready, true, 'every built step passed or skipped with a reason');
		});

		it('the rollback drill on the test launch: held while paused, one grant after resume; the real launch is untouched', async () => {
			const run = await t.ledger.checklist.start({ launch: 'drill', mode: 'dry' });
			const result = await t.ledger.checklist.rollbackDrill(run.id);
			assert.equal(result.passed, true, JSON.stringify(result));
			assert.equal(result.fix, null);
			const evidence = result.evidence as { whilePaused: { grantStatus: string; contactTags: string[] }; afterResume: { grants: unknown[] }; delivered: { claimed: number; acked: string[] } };
			assert.equal(evidence.whilePaused.grantStatus, 'held');
			assert.ok(evidence.whilePaused.contactTags.includes('access-on-hold'));
			assert.equal(evidence.afterResume.grants.length, 1);
			assert.deepEqual(evidence.delivered, { claimed: 1, acked: ['done'] });
			assert.equal((await t.ledger.outbox.pauseState('drill')).paused, false, 'the real launch was never paused');
			assert.equal((await t.ledger.outbox.pauseState(run.testLaunch)).paused, false, 'the test launch was resumed');
			assert.equal(await t.ledger.contacts.count('drill'), 0);
			assert.equal(await t.ledger.contacts.count(run.testLaunch), 1);
		});

		it('clean-up deletes every row of the test launch, forgets the noted test contacts of the real launch, and keeps everything else', async () => {
			const launch = 'clean';
			const { contactId: realId } = await t.ledger.contacts.upsert({ launch, email: 'real-buyer@example.com' });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			await t.ledger.checklist.rollbackDrill(run.id);
			const { contactId: testId } = await t.ledger.contacts.upsert({ launch, email: `checklist+${run.id}-instagram@example.com` });
			await t.ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: testId, label: 'utm test signup' });
			await t.ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: testId, label: 'noted twice' });
			await t.ledger.checklist.noteRecord({ runId: run.id, system: 'kit', kind: 'subscriber', recordId: 'checklist@example.com' });
			assert.ok(Object.keys(await testLaunchLeftovers(t.ledger.store, run.testLaunch)).length >= 5, 'the drill left rows in several tables');
			await t.ledger.checklist.noteRemoval({ runId: run.id, system: 'kit', kind: 'subscriber', recordId: 'checklist@example.com', removal: 'not_removable', note: 'Kit has no API to delete a subscriber: unsubscribe it in Kit.' });

			const cleaned = await t.ledger.checklist.cleanUpLedger(run.id);
			assert.deepEqual(cleaned.leftovers, {});
			assert.ok((cleaned.deleted.contacts ?? 0) === 1 && (cleaned.deleted.outbox ?? 0) >= 1 && (cleaned.deleted.events ?? 0) >= 1, JSON.stringify(cleaned.deleted));
			assert.deepEqual(cleaned.forgotten, [testId]);
			assert.equal(cleaned.run.status, 'cleaned');
			assert.deepEqual(cleaned.records.map((r) => `${r.system}/${r.kind}:${r.removal}`), ['ledger/contact:removed', 'kit/subscriber:not_removable']);
			assert.equal(cleaned.records[0]!.label, 'utm test signup', 'noting a record again changed nothing');
			assert.equal(await t.ledger.contacts.find({ launch, kind: 'email', value: `checklist+${run.id}-instagram@example.com` }), null);
			assert.equal((await t.ledger.contacts.get(realId))?.email, 'real-buyer@example.com', 'the real contact stays');
			await assert.rejects(t.ledger.checklist.recordStep({ runId: run.id, step: 'utm_capture', status: 'passed' }), /was cleaned up; start a new run/);
			assert.equal((await t.ledger.checklist.report(run.id)).run.status, 'cleaned', 'the report stays readable');
			await assert.rejects(t.ledger.checklist.rollbackDrill(run.id), /was cleaned up/);
		});

		it('the table list covers every table keyed by launch, and only test launches can be deleted', async () => {
			const tables = await launchTables(t.ledger.store);
			for (const table of ['contacts', 'identifiers', 'events', 'outbox', 'purchases', 'access', 'purchase_inbox', 'contact_tags', 'settings', 'outbox_switches']) assert.ok(tables.includes(table), table);
			assert.ok(!tables.some((name) => name.startsWith('checklist_')));
			await assert.rejects(deleteTestLaunch(t.ledger.store, 'clean'), /not a checklist's test launch/);
			assert.equal(await t.ledger.contacts.count('clean'), 1);
		});
	});
}
