import type { ChecklistRecord, ChecklistRun, Ledger, LedgerCleanUp, TestRevoke } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { waitFor } from '../actions/common';

import { answered, type HttpAnswer } from './http';
import { deleteHubspotContact, unsubscribeKit } from './vendors';

export interface CleanUpInput {
	run: ChecklistRun;
	kitSecret: string | null;
	hubspotToken: string | null;
	/** How long to wait for the outbox drain to deliver the test buyers' revokes. */
	waitMs: number;
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
	if (record.system === 'stripe') {
		return { removal: 'not_removable', note: `A live run's real payment through checkout session ${record.recordId}: refund it in Stripe → Payments (search for the test address). Nothing else to remove at Stripe.` };
	}
	return null; // the ledger's own records: cleanUpLedger removes them; the test buyers' access: revokeAccess
}

const SETTLED = ['done', 'dead', 'discarded'];
const settled = (buyers: TestRevoke[]): boolean => buyers.every((b) => b.revokes.every((r) => SETTLED.includes(r.status)));

/**
 * The test buyers lose their access through the outbox; waits for the drain to deliver the revokes.
 * Each buyer whose revokes are settled is noted (removed, or to remove by hand when the platform
 * refused); null while a revoke still waits, so the ledger is not cleaned under the drain's feet.
 */
async function revokeAccess(ledger: Ledger, input: CleanUpInput): Promise<IDataObject[] | null> {
	const runId = input.run.id;
	const first = await ledger.checklist.revokeTestAccess(runId);
	const buyers = settled(first) ? first : ((await waitFor(async () => {
		const now = await ledger.checklist.revokeTestAccess(runId);
		return settled(now) ? now : null;
	}, input.waitMs)) ?? null);
	if (!buyers) return null;
	const results: IDataObject[] = [];
	for (const buyer of buyers) {
		const refused = buyer.revokes.find((r) => r.status !== 'done');
		const note = refused
			? `The course platform did not take the revoke of ${buyer.email} (${refused.lastError ?? refused.status}): remove that enrollment there by hand.`
			: null;
		await ledger.checklist.noteRemoval({ runId, system: 'delivery', kind: 'grant', recordId: buyer.email, removal: refused ? 'not_removable' : 'removed', note });
		results.push({ system: 'delivery', kind: 'grant', recordId: buyer.email, removal: refused ? 'not_removable' : 'removed', note, revokes: buyer.revokes.map((r) => ({ id: r.id, status: r.status })) });
	}
	return results;
}

/** Clean Up: the test buyers' access revoked through the outbox, vendor records (each noted as removed or not), then the ledger's test data. */
export async function cleanUp(ctx: IExecuteFunctions, ledger: Ledger, input: CleanUpInput): Promise<IDataObject> {
	const revoked = await revokeAccess(ledger, input);
	if (!revoked) {
		return {
			runId: input.run.id,
			launch: input.run.launch,
			testLaunch: input.run.testLaunch,
			status: 'waiting',
			message: 'The revoke of the test buyer\'s access is queued; the outbox drain (the checkout workflow\'s "Every minute") delivers it within a minute or two. Run Clean Up again with the same Run ID to finish; nothing else was removed yet.',
		};
	}
	const vendorResults: IDataObject[] = [...revoked];
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
