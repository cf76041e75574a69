import type { IDataObject } from 'n8n-workflow';

import { REVIEW_DESK_LABELS } from '../../shared/reviewLink';
import type { FieldLabels, NodeOutputs, Routed, RunOperation } from '../../shared/runner';

/** Output keys, in the order of the node's outputNames (Fixes, Report, Review). */
export type SweepOutput = 'fixes' | 'report' | 'review';

/** What every operation file exports as `execute`: the whole run, once, whatever the item count. */
export type SweepOperation = RunOperation<SweepOutput>;

/** Ledger and node field names → the parameter the user sees. */
const LABELS: FieldLabels = {
	launch: 'Launch',
	kinds: 'Kinds',
	limit: 'Most Entries',
	maxEntries: 'Most Entries',
	leaseMs: 'Lease (Seconds)',
	leaseSeconds: 'Lease (Seconds)',
	batchSize: 'Batch Size',
	listedAt: 'Lists Fetched At',
	fixBatchSize: 'Entries per Fix Item',
	espFields: 'Email Platform Fields',
	crmFields: 'CRM Fields',
	checkoutFields: 'Checkout Fields',
	deliveryFields: 'Delivery Fields',
	...REVIEW_DESK_LABELS,
};

/** A failed sweep leaves its error where the summary would have been: on Report. */
export const SWEEP_OUTPUTS: NodeOutputs<SweepOutput> = { keys: ['fixes', 'report', 'review'], errorOutput: 'report', labels: LABELS };

/** A sweep's results as routed items: the fixes, one Report item, the review items. */
export function sweepResults(result: { fixes: IDataObject[]; report: IDataObject; review: IDataObject[] }): Array<Routed<SweepOutput>> {
	return [
		...result.fixes.map((json) => ({ output: 'fixes' as const, json })),
		{ output: 'report', json: result.report },
		...result.review.map((json) => ({ output: 'review' as const, json })),
	];
}

/**
 * Entries for the Fixes output: one per entry, or one per `size` entries of the same kind
 * ({ kind, count, entries }) for vendor batch APIs — HubSpot's batch upsert takes 100 per call.
 */
export function fixItems(entries: IDataObject[], mode: string, size: number): IDataObject[] {
	if (mode !== 'batch') return entries;
	const byKind = new Map<string, IDataObject[]>();
	for (const entry of entries) {
		const kind = String(entry.kind);
		byKind.set(kind, [...(byKind.get(kind) ?? []), entry]);
	}
	const out: IDataObject[] = [];
	for (const [kind, list] of byKind) {
		for (let i = 0; i < list.length; i += size) {
			const chunk = list.slice(i, i + size);
			out.push({ kind, count: chunk.length, entries: chunk });
		}
	}
	return out;
}
