import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	LedgerInputError,
	purchaseFactSource,
	type CheckoutOrderRecord,
	type DeliveryEnrollmentRecord,
	type Ledger,
	type SweepInput,
	type SweepFinding,
	type VendorContactRecord,
	type VendorSystem,
} from '../../../../ledger';
import { claimedJson, leaseMsOf, workerIdOf } from '../../../shared/claimOptions';
import { launchOf, sourceOf } from '../../../shared/parameters';
import { reviewDeskUrlOf, reviewOptionsProperty } from '../../../shared/reviewLink';
import { fixItems, sweepResults, type SweepOperation } from '../common';
import { claimProperties } from './claimProperties';
import { sweepReviewJson } from './reviewAlert';
import { checkMapping, fieldProperties, fieldsOf, recordMapper, records, SYSTEM_INPUTS, SYSTEM_NAMES } from './vendorRecords';

const show = { show: { operation: ['compare'] } };
const claimShow = { show: { operation: ['compare'], claimFixes: [true] } };

export const description: INodeProperties[] = [
	{
		displayName:
			'Wire each vendor list into its input: Kit subscribers into "Email Platform (ESP)", HubSpot contacts into "CRM", Stripe charges into "Checkout Orders", course enrollments into "Delivery Enrollments". Inputs left empty are not compared.',
		name: 'inputsNotice',
		type: 'notice',
		default: '',
		displayOptions: show,
	},
	...fieldProperties(show),
	{
		displayName: 'Claim Fixes',
		name: 'claimFixes',
		type: 'boolean',
		default: true,
		description:
			'Whether to hand the outbox entries this sweep created to the vendor steps after this node (Fixes output, with claim tokens for Ack / Fail). Off: they wait in the outbox for the next drain.',
		displayOptions: show,
	},
	...claimProperties(claimShow),
	{
		displayName: 'Review Unknown Records',
		name: 'reviewUnknown',
		type: 'boolean',
		default: false,
		description: 'Whether vendor records the ledger has no contact for go to Review too (they are always counted in the Report)',
		displayOptions: show,
	},
	{
		displayName: 'Alert Again After (Hours)',
		name: 'remindAfterHours',
		type: 'number',
		default: 24,
		typeOptions: { minValue: 0, maxValue: 24 * 30 },
		description:
			'A problem this sweep already sent to Review (e.g. a paid order with no contact) is not sent again until this many hours have passed, so your Slack gets one message per problem instead of one every hour. It stays open on the review desk either way. E.g. 24 reminds once a day; 0 sends every open problem on every sweep.',
		displayOptions: show,
	},
	{
		displayName: 'Lists Fetched At',
		name: 'listsFetchedAt',
		type: 'dateTime',
		default: '',
		placeholder: 'e.g. 2026-11-27T03:00:00Z',
		description:
			'When the vendor lists were fetched. A contact whose sync was delivered after this time, or who signed up after it, is not judged by these lists (the next sweep compares them), so nobody is sent twice or tagged reconciled-after-failure for a race. Leave empty when the lists are fetched in this same execution: the execution\'s start time is used. Set it when the lists come from earlier, e.g. a file exported last night.',
		displayOptions: show,
	},
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: 1000,
		typeOptions: { minValue: 1, maxValue: 5000 },
		description: 'Records compared per ledger transaction; a sweep over 100,000 contacts is 100 small transactions, never one long lock',
		displayOptions: show,
	},
	reviewOptionsProperty(show),
];

/**
 * When the lists were fetched, in ms: the parameter when set, else the start of this execution —
 * the lists wired into this node were fetched during it, so nothing delivered before that time can
 * be missing from them because of the timing. Without an execution context (older n8n) the ledger
 * falls back to the sweep's own start.
 */
function listedAtOf(ctx: IExecuteFunctions): number | undefined {
	const value: unknown = ctx.getNodeParameter('listsFetchedAt', 0, '');
	if (value === '' || value === null || value === undefined) return ctx.getExecutionContext?.()?.establishedAt;
	// A date picker gives an ISO string; an expression may give a Luxon DateTime, a Date or ms.
	const ms =
		typeof value === 'number'
			? value
			: value instanceof Date
				? value.getTime()
				: typeof value === 'object' && typeof (value as { toMillis?: unknown }).toMillis === 'function'
					? (value as { toMillis: () => number }).toMillis()
					: typeof value === 'string'
						? Date.parse(value)
						: Number.NaN;
	if (!Number.isFinite(ms)) throw new LedgerInputError('listedAt', `"${String(value)}" is not a date and time; use e.g. 2026-11-27T03:00:00Z, or leave it empty for the execution's start`);
	return ms;
}

/** Findings that became (or found) outbox work, and findings a person has to look at. */
const FIX_FINDINGS = new Set(['missing_in_vendor', 'tag_drift', 'grant', 'revoke']);
const REVIEW_FINDINGS = new Set(['duplicate', 'purchase_without_contact', 'invalid_record']);

function inputItems(ctx: IExecuteFunctions, index: number): INodeExecutionData[] {
	try {
		return ctx.getInputData(index) ?? [];
	} catch {
		// n8n has no data for an input nothing is connected to.
		return [];
	}
}

/**
 * Hands the lists that arrived to the sweep input, each read through its field mapping. Returns how
 * many records each system had, and the systems not compared.
 */
function addVendorLists(ctx: IExecuteFunctions, input: SweepInput): { compared: Partial<Record<VendorSystem, number>>; skipped: string[] } {
	const compared: Partial<Record<VendorSystem, number>> = {};
	const skipped: string[] = [];
	for (const [index, system] of SYSTEM_INPUTS.entries()) {
		const items = inputItems(ctx, index);
		// An empty list is more often a failed or unwired fetch than a vendor with nobody in it, and
		// "missing everywhere" would re-send every contact: only lists with items are compared.
		if (items.length === 0) {
			skipped.push(SYSTEM_NAMES[system]);
			continue;
		}
		const fields = fieldsOf((name) => ctx.getNodeParameter(name, 0, {}), system);
		const map = recordMapper(system, fields);
		checkMapping(system, items, map, fields);
		compared[system] = items.length;
		if (system === 'esp' || system === 'crm') input[system] = records(items, map) as Iterable<VendorContactRecord>;
		else if (system === 'checkout') input.checkout = records(items, map) as Iterable<CheckoutOrderRecord>;
		else input.delivery = records(items, map) as Iterable<DeliveryEnrollmentRecord>;
	}
	return { compared, skipped };
}

/**
 * The run's findings, page by page: fixes by outbox entry (first finding wins), and the findings a
 * person has to look at. Which of those are announced on the Review output is the ledger's call.
 */
async function sortFindings(ledger: Ledger, runId: string, reviewUnknown: boolean): Promise<{ fixFindings: Map<string, SweepFinding>; reviewFindings: SweepFinding[] }> {
	const reviewFindings: SweepFinding[] = [];
	const fixFindings = new Map<string, SweepFinding>();
	for (let afterSeq = 0; ; ) {
		const page = await ledger.reconcile.findings(runId, { afterSeq, limit: 1000 });
		if (page.length === 0) break;
		afterSeq = page[page.length - 1]!.seq;
		for (const finding of page) {
			const entryId = typeof finding.data.entryId === 'string' ? finding.data.entryId : null;
			if (FIX_FINDINGS.has(finding.kind)) {
				if (entryId && !fixFindings.has(entryId)) fixFindings.set(entryId, finding);
			} else if (REVIEW_FINDINGS.has(finding.kind) || (reviewUnknown && finding.kind === 'unknown_in_ledger')) {
				reviewFindings.push(finding);
			}
		}
	}
	return { fixFindings, reviewFindings };
}

/**
 * The Fixes output: with "Claim Fixes" the entries the sweep created, claimed for the vendor steps
 * after this node; without it, what was found (the entries wait in the outbox for the next drain).
 */
async function fixesOf(ctx: IExecuteFunctions, ledger: Ledger, launch: string, fixFindings: Map<string, SweepFinding>): Promise<{ fixes: IDataObject[]; claimed: number }> {
	if (ctx.getNodeParameter('claimFixes', 0, true) !== true) {
		const fixes = [...fixFindings].map(([entryId, finding]) => ({ entryId, finding: finding.kind, system: finding.system, contactId: finding.contactId, outcome: finding.data.outcome as string }));
		return { fixes, claimed: 0 };
	}
	const ids = [...fixFindings.keys()];
	const json: IDataObject[] = [];
	for (let i = 0; i < ids.length; i += 1000) {
		const chunk = ids.slice(i, i + 1000);
		// Entries held by the kill switch, or already in another run's hands, are not handed out.
		const entries = await ledger.outbox.claim({ launch, ids: chunk, limit: chunk.length, leaseMs: leaseMsOf(ctx, 0), workerId: workerIdOf(ctx) });
		for (const entry of await claimedJson(ctx, ledger, entries, 0, true)) {
			const finding = fixFindings.get(String(entry.id));
			json.push({ ...entry, finding: finding?.kind ?? null, system: finding?.system ?? null });
		}
	}
	const mode = ctx.getNodeParameter('outputMode', 0, 'entries') as string;
	return { fixes: fixItems(json, mode, Number(ctx.getNodeParameter('fixBatchSize', 0, 100))), claimed: json.length };
}

/**
 * Part (b): the vendor lists that arrived are compared with the ledger (the engine streams them in
 * batches); every difference becomes an outbox entry, a review item or a count in the Report. The
 * entries it created are claimed here, so the vendor steps after this node send them right away.
 */
export const execute: SweepOperation = async function (ledger) {
	const launch = launchOf(this, 0);
	const listedAt = listedAtOf(this);
	const deskUrl = reviewDeskUrlOf(this, 0);
	const input: SweepInput = { launch, purchases: purchaseFactSource, batchSize: Number(this.getNodeParameter('batchSize', 0, 1000)), source: sourceOf(this), listedAt };
	const { compared, skipped } = addVendorLists(this, input);

	// Dead syncs that a later sync of the same contact delivered (often the previous sweep's fix) are
	// closed first, so the dead letter only shows what still needs a person.
	const superseded = await ledger.outbox.settleSuperseded({ launch, source: sourceOf(this) });
	const report = await ledger.reconcile.sweep(input);
	const { fixFindings, reviewFindings } = await sortFindings(ledger, report.runId, this.getNodeParameter('reviewUnknown', 0, false) === true);
	// An open problem is found again every hour; it is announced once, then again after the quiet period.
	const remindAfterHours = Number(this.getNodeParameter('remindAfterHours', 0, 24));
	if (!Number.isFinite(remindAfterHours) || remindAfterHours < 0) {
		throw new LedgerInputError('remindAfterHours', `must be a number of hours, 0 or more (e.g. 24); got ${JSON.stringify(remindAfterHours)}`);
	}
	const announced = await ledger.reconcile.announce(launch, reviewFindings, { repeatAfterMs: remindAfterHours * 3_600_000 });
	const review = announced.map((finding) => sweepReviewJson({ finding: finding.kind, system: finding.system, contactId: finding.contactId, ...(finding.data as IDataObject), runId: report.runId }, deskUrl));
	const { fixes, claimed } = await fixesOf(this, ledger, launch, fixFindings);

	return sweepResults({
		fixes,
		report: {
			operation: 'compare',
			runId: report.runId,
			launch,
			compared,
			notCompared: skipped,
			listsFetchedAt: Object.fromEntries(Object.entries(report.listedAt).map(([system, ms]) => [system, new Date(ms).toISOString()])),
			systems: report.systems as IDataObject,
			fixes: report.fixes,
			fixEntries: fixFindings.size,
			claimed,
			healedContacts: report.healedContacts,
			supersededDead: superseded.length,
			findings: report.findings,
			review: reviewFindings.length,
			reviewAnnounced: review.length,
			outbox: report.outbox as unknown as IDataObject,
		},
		review,
	});
};
