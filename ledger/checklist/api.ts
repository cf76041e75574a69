import type { ContactsApi } from '../contacts/api';
import type { MonitorApi } from '../monitor/api';
import type { SettingsApi } from '../settings/api';
import type { Store } from '../store';
import { deleteTestLaunch, testLaunchLeftovers } from './cleanup';
import { LedgerInputError } from '../errors';
import { rollbackDrill, type DrillOutcome, type DrillParts } from './drill';
import { monitoringDrill, type MonitoringDrillOutcome } from './monitoring';
import { listRecords, noteRecord, noteRemoval, type ChecklistRecord, type RecordInput, type RemovalInput } from './records';
import { readReport, recordStepResult, type ChecklistReport, type StepResult, type StepResultInput } from './results';
import { revokeTestAccess, type TestRevoke } from './revoke';
import { getRun, latestRun, requireRun, startRun, touchRun, type ChecklistRun, type StartRunInput } from './runs';
import { prepareTestLaunch } from './test-launch';
import { compareVocabulary, type VocabularyCheck } from './vocabulary';

export interface LedgerCleanUp {
	run: ChecklistRun;
	/** Rows deleted from the test launch, per table. */
	deleted: Record<string, number>;
	/** Test contacts found in the real launch (older runs, an outdated capture trigger), forgotten now. */
	forgotten: string[];
	/** Rows the test launch still holds (empty after a clean-up). */
	leftovers: Record<string, number>;
	records: ChecklistRecord[];
}

/**
 * The pre-launch checklist's memory: runs, each step's latest result with its evidence and fix, and
 * the records a run created. The steps themselves go through the public surfaces (the node drives
 * them); the rollback drill is the one step that is only the ledger. One transaction per call.
 */
export class ChecklistApi {
	constructor(
		private readonly store: Store,
		private readonly parts: DrillParts & { contacts: ContactsApi; settings: SettingsApi; monitor: MonitorApi },
	) {}

	/** A new run of a launch, with its own test launch. */
	start(input: StartRunInput): Promise<ChecklistRun> {
		return this.store.transaction((tx) => startRun(tx, input));
	}

	get(runId: string): Promise<ChecklistRun | null> {
		return this.store.transaction((tx) => getRun(tx, runId));
	}

	/** The newest run of a launch (what the report page shows by default). */
	latest(launch: string): Promise<ChecklistRun | null> {
		return this.store.transaction((tx) => latestRun(tx, launch));
	}

	/**
	 * Readies the run's test launch for test traffic (the real launch's products copied in); steps that
	 * send signups or payments call it first. Refused for a cleaned run.
	 */
	async prepareTestLaunch(runId: string, now = Date.now()): Promise<{ products: string[] }> {
		const run = await this.openRun(runId);
		return this.store.transaction((tx) => prepareTestLaunch(tx, run, now));
	}

	/** Keeps a step's result (passed / failed with a fix / waiting / skipped with a reason). */
	recordStep(input: StepResultInput): Promise<StepResult> {
		return this.store.transaction((tx) => recordStepResult(tx, input));
	}

	/** Notes a record the run created (a test contact, a vendor record) so Clean Up removes it. */
	noteRecord(input: RecordInput): Promise<void> {
		return this.store.transaction(async (tx) => {
			await requireRun(tx, input.runId);
			await noteRecord(tx, input);
		});
	}

	/** What Clean Up did with one record: removed, or not removable with a note saying what to do. */
	noteRemoval(input: RemovalInput): Promise<boolean> {
		return this.store.transaction((tx) => noteRemoval(tx, input));
	}

	records(runId: string): Promise<ChecklistRecord[]> {
		return this.store.transaction((tx) => listRecords(tx, runId));
	}

	report(runId: string): Promise<ChecklistReport> {
		return this.store.transaction((tx) => readReport(tx, runId));
	}

	/**
	 * Step 6's ledger part, on the run's test launch: what it showed and, when it failed, the stage and
	 * the fix. Not recorded: the node adds what it checked over HTTP (the kill switch page) and keeps
	 * the step's result with recordStep.
	 */
	async rollbackDrill(runId: string, now = Date.now()): Promise<DrillOutcome> {
		return rollbackDrill(this.parts, await this.openRun(runId), now);
	}

	/** Step 2's ledger part: the launch's registry tags that drive automations, and which of them the vendor's tag names lack. */
	async tagVocabulary(runId: string, vendorTagNames: string[]): Promise<VocabularyCheck> {
		const run = await this.openRun(runId);
		return compareVocabulary(await this.parts.tags.list(run.launch), vendorTagNames);
	}

	/**
	 * Step 5's ledger part, on the run's test launch: a simulated launch whose last window has no
	 * signups and unmatched purchases, judged under the real launch's alert settings; the node posts
	 * what fired to the alert channel.
	 */
	async monitoringDrill(runId: string, now = Date.now()): Promise<MonitoringDrillOutcome> {
		const run = await this.openRun(runId);
		return monitoringDrill({ store: this.store, settings: this.parts.settings, monitor: this.parts.monitor }, run, now);
	}

	/**
	 * Clean Up's first part: the run's test buyers lose their access through the outbox (the drain
	 * tells the course platform); returns each buyer's revokes with their status, to wait on.
	 */
	async revokeTestAccess(runId: string): Promise<TestRevoke[]> {
		const run = await this.store.transaction((tx) => requireRun(tx, runId));
		return revokeTestAccess({ store: this.store, ...this.parts }, run);
	}

	private async openRun(runId: string): Promise<ChecklistRun> {
		const run = await this.store.transaction((tx) => requireRun(tx, runId));
		if (run.status === 'cleaned') throw new LedgerInputError('runId', `run "${run.id}" was cleaned up; start a new run`);
		return run;
	}

	/**
	 * Removes the run's ledger data: a test contact that ended up in the real launch is forgotten
	 * (erased, as a person's forget request would), then the whole test launch is deleted.
	 * Vendor records are removed by the node before this and noted with noteRemoval.
	 */
	async cleanUpLedger(runId: string, now = Date.now()): Promise<LedgerCleanUp> {
		const run = await this.store.transaction((tx) => requireRun(tx, runId));
		const forgotten: string[] = [];
		for (const record of await this.records(run.id)) {
			if (record.system !== 'ledger' || record.kind !== 'contact' || record.removal === 'removed') continue;
			const contact = await this.parts.contacts.get(record.recordId);
			// Test contacts are in the test launch, deleted with it below; one in the real launch (a run made
			// before test traffic was kept apart, or an outdated capture trigger) is forgotten.
			if (contact && contact.launch === run.launch) {
				await this.parts.contacts.forget({ launch: run.launch, contactId: record.recordId, source: 'checklist' });
				forgotten.push(record.recordId);
			}
			await this.noteRemoval({ runId: run.id, system: 'ledger', kind: 'contact', recordId: record.recordId, removal: 'removed', now });
		}
		return this.store.transaction(async (tx) => {
			const deleted = await deleteTestLaunch(tx, run.testLaunch);
			await touchRun(tx, run.id, now, true);
			return { run: (await getRun(tx, run.id))!, deleted, forgotten, leftovers: await testLaunchLeftovers(tx, run.testLaunch), records: await listRecords(tx, run.id) };
		});
	}
}
