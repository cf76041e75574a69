import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import type { Ledger } from '../../../ledger';
import type { FieldLabels } from '../../shared/execution';

/** Output indexes, in the order of the node's outputNames. */
export const FIXES = 0;
export const REPORT = 1;
export const REVIEW = 2;

export interface SweepOutputs {
	fixes: INodeExecutionData[];
	report: IDataObject;
	review: IDataObject[];
}

/** What every operation file exports as `execute`: the whole run, once, whatever the item count. */
export type SweepOperation = (this: IExecuteFunctions, ledger: Ledger) => Promise<SweepOutputs>;

/** Ledger and node field names → the parameter the user sees. */
export const LABELS: FieldLabels = {
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
};

/** The worker id recorded on claims: which workflow and execution holds them. */
export function workerIdOf(ctx: IExecuteFunctions): string {
	return `n8n:${ctx.getWorkflow().id ?? 'workflow'}:${ctx.getExecutionId() ?? 'manual'}`;
}

/**
 * Entry items for the Fixes output: one per entry, or one per `size` entries of the same kind
 * ({ kind, count, entries }) for vendor batch APIs — HubSpot's batch upsert takes 100 per call.
 */
export function fixItems(entries: IDataObject[], mode: string, size: number): INodeExecutionData[] {
	if (mode !== 'batch') return entries.map((json) => ({ json }));
	const byKind = new Map<string, IDataObject[]>();
	for (const entry of entries) {
		const kind = String(entry.kind);
		byKind.set(kind, [...(byKind.get(kind) ?? []), entry]);
	}
	const out: INodeExecutionData[] = [];
	for (const [kind, list] of byKind) {
		for (let i = 0; i < list.length; i += size) {
			const chunk = list.slice(i, i + size);
			out.push({ json: { kind, count: chunk.length, entries: chunk } });
		}
	}
	return out;
}
