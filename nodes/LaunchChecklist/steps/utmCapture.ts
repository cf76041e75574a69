import { CHECKLIST_HEADER, LedgerInputError, routeHeaderOf, type ChecklistRun, type Ledger, type OutboxEntry, type Touch } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { testAddress, waitFor } from '../actions/common';
import { send } from './http';
import type { StepOutcome } from './outcome';
import { UTM_FIELDS, type CampaignSource } from './sources';
import { HUBSPOT_CREDENTIAL, readHubspotContact, readKitSubscriber, readProblem, type VendorRecord } from './vendors';

export interface UtmCaptureInput {
	run: ChecklistRun;
	sources: CampaignSource[];
	testEmail: string;
	captureUrl: string;
	/** Null: not checked (no credential chosen). */
	kitSecret: string | null;
	hubspotToken: string | null;
	waitMs: number;
}

const SYNC_KINDS = ['esp_sync', 'crm_sync'];
const SETTLED = ['done', 'dead', 'discarded'];

/** Why a capture answer is not a signup, and what to do. */
function captureFix(status: number | null, body: unknown, url: string, error: string | null): string {
	if (status === 404) return `Nothing answers at the Capture URL ${url}: publish the workflow with the Waitlist Capture Trigger and copy its Production URL (not the Test URL) into Capture URL.`;
	if (status === null) return `The Capture URL ${url} could not be reached (${error ?? 'no answer'}): check the address and that n8n is running.`;
	const message = (body as { message?: string } | null)?.message;
	return `The capture answered ${status}${message ? `: ${message}` : ''}. Fix what it names on the Waitlist Capture Trigger (allowed origins, consent, required fields) and run this step again.`;
}

/** The fix for one field the vendor does not hold as sent. */
function fieldFix(vendor: 'Kit' | 'HubSpot', field: string, sent: string, held: string | null | undefined, email: string): string {
	if (held === undefined) {
		return vendor === 'Kit'
			? `Kit has no custom field \`${field}\`: create it in Kit → Subscribers → Custom fields (name it exactly ${field}), then run this step again.`
			: `HubSpot has no contact property \`${field}\`: create it in HubSpot → Settings → Properties → Contact properties → Create property (internal name ${field}), then run this step again.`;
	}
	return `${vendor} holds ${field} = "${held ?? ''}" for ${email} but the signup sent "${sent}": the workflow that sends contacts to ${vendor} does not pass ${field} through. Check the fields of its ${vendor} node (templates: Waitlist signup and Outbox drain).`;
}

function compare(vendor: 'Kit' | 'HubSpot', record: VendorRecord, source: CampaignSource, email: string): string[] {
	if (!record.found) {
		if (record.answer.status === 200 || record.answer.status === 404) return [`${vendor} has no record of ${email}: the signup did not reach ${vendor}. Check that the workflow syncing to ${vendor} is published, and the ledger evidence below for its last error.`];
		return [`${readProblem(vendor, record.answer)}.`];
	}
	return UTM_FIELDS.filter((f) => source[f] !== '' && record.fields[f] !== source[f]).map((f) => fieldFix(vendor, f, source[f], f in record.fields ? record.fields[f] : undefined, email));
}

/** The ledger must keep what the capture URL received before any vendor can get it. */
function ledgerFixes(touch: Touch | null, source: CampaignSource, email: string): string[] {
	return UTM_FIELDS.filter((f) => source[f] !== '' && touch?.[f] !== source[f]).map(
		(f) => `The ledger kept ${f} = "${touch?.[f] ?? ''}" for ${email} but the signup sent "${source[f]}": check the attribution options of the Waitlist Capture Trigger (UTM capture, consent for attribution).`,
	);
}

/** The sync entries of the contact once each is settled (or failed for good); null while any waits. */
async function settledSyncs(ledger: Ledger, launch: string, contactId: string): Promise<OutboxEntry[] | null> {
	const entries = (await ledger.outbox.list({ launch, contactId, kinds: SYNC_KINDS })).filter((e) => SYNC_KINDS.includes(e.kind));
	const failedHard = entries.some((e) => e.status === 'dead' || (e.status === 'failed' && e.lastError));
	return failedHard || entries.every((e) => SETTLED.includes(e.status)) ? entries : null;
}

const syncJson = (e: OutboxEntry): IDataObject => ({ kind: e.kind, status: e.status, attempts: e.attempts, lastError: e.lastError, responseId: e.responseId });

/** The header of the run's test signups (runs made before route keys cannot send any). */
function checklistHeader(run: ChecklistRun): string {
	const header = routeHeaderOf(run);
	if (!header) throw new LedgerInputError('runId', `run "${run.id}" was made by an older version of the pack and cannot keep its test signups apart; leave Run ID empty to start a new run`);
	return header;
}

/** The capture took the signup but the test launch does not have it: where it went instead. */
async function missingSignupFix(ledger: Ledger, run: ChecklistRun, email: string, status: number): Promise<string> {
	const inReal = await ledger.contacts.find({ launch: run.launch, kind: 'email', value: email });
	if (inReal) {
		await ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: inReal.id, label: email });
		return `The capture answered ${status} but kept ${email} in the real launch "${run.launch}", not in the run's test launch: the Waitlist Capture Trigger is an older version that does not know the checklist's header. Update the node package (Settings → Community Nodes → Update), then run this step again; Clean Up forgets the test contact.`;
	}
	return `The capture answered ${status} but the ledger has no ${email}: the Capture Trigger and this node must use the same Launch ("${run.launch}") and Storage.`;
}

/** One source: sign up through the capture URL, wait for the syncs, read back from Kit and HubSpot. */
async function checkSource(ctx: IExecuteFunctions, ledger: Ledger, input: UtmCaptureInput, source: CampaignSource): Promise<{ evidence: IDataObject; fixes: string[]; waiting: string | null }> {
	const { run } = input;
	const email = testAddress(input.testEmail, run, source.utm_source);
	const sent = { email, first_name: 'Checklist', ...source };
	// The run's header sends the signup to the run's test launch: the real launch never holds it.
	const answer = await send(ctx, { method: 'POST', url: input.captureUrl, body: sent, headers: { [CHECKLIST_HEADER]: checklistHeader(run) } });
	const evidence: IDataObject = { source: source.utm_source, email, sent, capture: { status: answer.status, body: answer.body as IDataObject, error: answer.error } };
	if (answer.status === null || answer.status < 200 || answer.status >= 300) return { evidence, fixes: [captureFix(answer.status, answer.body, input.captureUrl, answer.error)], waiting: null };

	const contact = await ledger.contacts.find({ launch: run.testLaunch, kind: 'email', value: email });
	if (!contact) return { evidence, fixes: [await missingSignupFix(ledger, run, email, answer.status)], waiting: null };
	await ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: contact.id, label: email });
	evidence.ledger = { contactId: contact.id, firstTouch: contact.firstTouch as IDataObject | null };
	const fixes = ledgerFixes(contact.firstTouch, source, email);

	const syncs = await waitFor(() => settledSyncs(ledger, run.testLaunch, contact.id), input.waitMs);
	const now = syncs ?? (await ledger.outbox.list({ launch: run.testLaunch, contactId: contact.id, kinds: SYNC_KINDS }));
	evidence.outbox = now.map(syncJson);
	for (const e of now.filter((x) => x.status === 'dead' || x.status === 'failed')) fixes.push(`The ${e.kind === 'esp_sync' ? 'Kit' : 'HubSpot'} sync of ${email} failed: ${e.lastError ?? 'no error recorded'}.`);
	if (!syncs) return { evidence, fixes, waiting: `The Kit / HubSpot sync of ${email} has not been delivered yet; the outbox drain sends it within a minute or two. Run this step again (same Run ID) to finish.` };
	if (fixes.length > 0) return { evidence, fixes, waiting: null };
	await readBack(ctx, ledger, input, source, email, evidence, fixes);
	return { evidence, fixes, waiting: null };
}

async function readBack(ctx: IExecuteFunctions, ledger: Ledger, input: UtmCaptureInput, source: CampaignSource, email: string, evidence: IDataObject, fixes: string[]): Promise<void> {
	const runId = input.run.id;
	if (input.kitSecret) {
		const kit = await readKitSubscriber(ctx, input.kitSecret, email);
		evidence.kit = { found: kit.found, id: kit.id, fields: kit.fields, status: kit.answer.status };
		if (kit.found) await ledger.checklist.noteRecord({ runId, system: 'kit', kind: 'subscriber', recordId: email, label: `Kit subscriber ${kit.id ?? ''}`.trim() });
		fixes.push(...compare('Kit', kit, source, email));
	}
	if (input.hubspotToken) {
		const hubspot = await readHubspotContact(ctx, input.hubspotToken, email, [...UTM_FIELDS]);
		evidence.hubspot = { found: hubspot.found, id: hubspot.id, fields: hubspot.fields, status: hubspot.answer.status };
		if (hubspot.found && hubspot.id) await ledger.checklist.noteRecord({ runId, system: 'hubspot', kind: 'contact', recordId: hubspot.id, label: email });
		fixes.push(...compare('HubSpot', hubspot, source, email));
	}
}

/** Step 1: one signup per campaign source through the real capture URL, compared field by field where it lands. */
export async function utmCapture(ctx: IExecuteFunctions, ledger: Ledger, input: UtmCaptureInput): Promise<StepOutcome> {
	const perSource: IDataObject[] = [];
	const fixes: string[] = [];
	const waiting: string[] = [];
	for (const source of input.sources) {
		const checked = await checkSource(ctx, ledger, input, source);
		perSource.push(checked.evidence);
		fixes.push(...checked.fixes);
		if (checked.waiting) waiting.push(checked.waiting);
	}
	const unchecked = [input.kitSecret ? null : 'Kit (no "ConvertKit API" credential selected)', input.hubspotToken ? null : `HubSpot (no "${HUBSPOT_CREDENTIAL}" credential selected)`].filter(Boolean);
	const evidence = { captureUrl: input.captureUrl, sources: perSource, notCompared: unchecked };
	const unique = [...new Set(fixes)];
	if (unique.length > 0) return { status: 'failed', reason: `${unique.length} problem(s) across ${input.sources.length} source(s).`, fix: unique.join('\n'), evidence };
	if (waiting.length > 0) return { status: 'waiting', reason: waiting.join('\n'), fix: null, evidence };
	const where = ['the ledger', input.kitSecret ? 'Kit' : null, input.hubspotToken ? 'HubSpot' : null].filter(Boolean).join(', ');
	return { status: 'passed', reason: `Every source (${input.sources.map((s) => s.utm_source).join(', ')}) arrived with its UTM fields intact in ${where}.`, fix: null, evidence };
}
