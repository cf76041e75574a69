import type { ChecklistRecord, ChecklistRun, Ledger, LedgerCleanUp } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { answered, type HttpAnswer } from './http';
import { deleteHubspotContact, unsubscribeKit } from './vendors';

export interface CleanUpInput {
	run: ChecklistRun;
	kitSecret: string | null;
	hubspotToken: string | null;
}

type Removal = { removal: 'removed' | 'not_removable'; note: string | null; answer?: HttpAnswer };

const NO_CREDENTIAL = (vendor: string, credential: string) => `Not removed: no "${credential}" credential selected on Clean Up. Select it and run Clean Up again, or remove it by hand in ${vendor}.`;

/** One vendor record: removed where the vendor's API allows, otherwise a note saying what to do by hand. */
async function removeAtVendor(ctx: IExecuteFunctions, input: CleanUpInput, record: ChecklistRecord): Promise<Removal | null> {
	if (record.system === 'kit') {
		if (!input.kitSecret) return { removal: 'not_removable', note: NO_CREDENTIAL('Kit', 'ConvertKit API') };
		const answer = await unsubscribeKit(ctx, input.kitSecret, record.recordId);
		const done = answer.status === 200;
		return {
			removal: 'not_removable',
			note: `${done ? 'Unsubscribed' : `Kit ${answered(answer)} to the unsubscribe`}; Kit's API cannot delete a subscriber. To remove ${record.recordId} completely: Kit → Subscribers → search for it → Delete.`,
			answer,
		};
	}
	if (record.system === 'hubspot') {
		if (!input.hubspotToken) return { removal: 'not_removable', note: NO_CREDENTIAL('HubSpot', 'HubSpot Service Key') };
		const answer = await deleteHubspotContact(ctx, input.hubspotToken, record.recordId);
		if (answer.status === 204 || answer.status === 200 || answer.status === 404) return { removal: 'removed', note: null, answer };
		return { removal: 'not_removable', note: `HubSpot ${answered(answer)} to the delete. Remove contact ${record.label ?? record.recordId} in HubSpot → Contacts, or run Clean Up again.`, answer };
	}
	if (record.system === 'delivery') {
		return { removal: 'not_removable', note: `The test buyer ${record.recordId} was given ${record.label ?? 'access'} on your course platform; remove that enrollment there (the checklist cannot revoke it for you yet).` };
	}
	return null; // the ledger's own records: cleanUpLedger removes them
}

/** Clean Up: vendor records first (each noted as removed or not), then the ledger's test data. */
export async function cleanUp(ctx: IExecuteFunctions, ledger: Ledger, input: CleanUpInput): Promise<IDataObject> {
	const vendorResults: IDataObject[] = [];
	for (const record of await ledger.checklist.records(input.run.id)) {
		if (record.removal === 'removed') continue;
		const result = await removeAtVendor(ctx, input, record);
		if (!result) continue;
		await ledger.checklist.noteRemoval({ runId: input.run.id, system: record.system, kind: record.kind, recordId: record.recordId, removal: result.removal, note: result.note });
		vendorResults.push({ system: record.system, kind: record.kind, recordId: record.recordId, removal: result.removal, note: result.note, status: result.answer?.status ?? null });
	}
	const cleaned: LedgerCleanUp = await ledger.checklist.cleanUpLedger(input.run.id);
	const notRemoved = cleaned.records.filter((r) => r.removal !== 'removed');
	return {
		runId: input.run.id,
		launch: input.run.launch,
		testLaunch: input.run.testLaunch,
		status: notRemoved.length === 0 ? 'clean' : 'left_over',
		message:
			notRemoved.length === 0
				? 'Every test record is gone: the test launch, the test contacts and what the vendors held.'
				: `${notRemoved.length} test record(s) could not be removed automatically; each says what to do by hand.`,
		ledger: { deletedRows: cleaned.deleted, forgottenContacts: cleaned.forgotten, leftovers: cleaned.leftovers },
		vendors: vendorResults,
		notRemoved: notRemoved.map((r) => ({ system: r.system, kind: r.kind, recordId: r.recordId, label: r.label, note: r.note })),
	};
}
