import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../ledger';
import { launchOf, textParameter } from '../../shared/execution';

/**
 * Parameter labels by the ledger's field name, so "entries[0].claimToken" or "leaseMs" in a ledger
 * error becomes the name the user sees in the node.
 */
const LABELS: Record<string, string> = {
	launch: 'Launch',
	kind: 'Kind',
	kinds: 'Kinds',
	idempotencyKey: 'Idempotency Key',
	contactId: 'Contact ID',
	payload: 'Payload',
	maxAttempts: 'Max Attempts',
	limit: 'Batch Size',
	listLimit: 'Limit',
	leaseMs: 'Lease (Seconds)',
	workerId: 'Worker ID',
	id: 'Entry ID',
	claimToken: 'Claim Token',
	retryAfter: 'Retry After',
	error: 'Error',
	delayMs: 'Delay (Seconds)',
	ids: 'Entry IDs',
	by: 'By',
	reason: 'Reason',
	scope: 'Scope',
};

function labelFor(field: string): string {
	const last = field.split('.').pop() ?? field;
	const root = field.split(/[.[]/)[0] ?? field;
	return LABELS[field] ?? LABELS[last.replace(/\[\d+\]$/, '')] ?? LABELS[root] ?? field;
}

export function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof LedgerInputError) {
		const label = labelFor(error.field);
		return new NodeOperationError(ctx.getNode(), `${label}: ${error.reason}`, {
			itemIndex,
			description: `Fix the "${label}" parameter (or the input data it reads) and run the node again.`,
		});
	}
	return new NodeOperationError(ctx.getNode(), error as Error, {
		itemIndex,
		description: 'The ledger could not carry out this operation. Check the Waitlist Ledger credential and that its database is reachable.',
	});
}

export const launchProperty: INodeProperties = {
	displayName: 'Launch',
	name: 'launch',
	type: 'string',
	default: 'default',
	required: true,
	description: 'Which launch the outbox belongs to, e.g. "spring-course-2027". Leave "default" if you run only one.',
};

// The same parameter readers as the other action nodes; an empty Launch is an error naming it there.
export { launchOf };
export { sourceOf, textParameter as text } from '../../shared/execution';

export function requiredText(ctx: IExecuteFunctions, name: string, field: string, itemIndex: number, example: string): string {
	const value = textParameter(ctx, name, itemIndex);
	if (value === '') throw new LedgerInputError(field, `is required, e.g. ${example}`);
	return value;
}

export function numberParameter(ctx: IExecuteFunctions, name: string, itemIndex: number, fallback: number): number {
	const value = ctx.getNodeParameter(name, itemIndex, fallback) as unknown;
	return typeof value === 'number' ? value : Number(value);
}

/** What every operation file exports as `execute`. */
export type OutboxOperation = (this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]) => Promise<INodeExecutionData[]>;

/**
 * Runs `work` per input item, keeping pairedItem. A failure stops the node, or with "continue on
 * fail" becomes an `{ error }` item for that input.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	work: (itemIndex: number) => Promise<IDataObject | IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await work(itemIndex);
			for (const json of Array.isArray(result) ? result : [result]) out.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = toNodeError(ctx, error, itemIndex);
			if (!ctx.continueOnFail()) throw nodeError;
			out.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		}
	}
	return out;
}

/**
 * For ack / fail / release: every item is checked on its own (bad input fails that item only), then
 * all valid items of a launch are settled in one ledger transaction — a drain of 100 entries is one
 * transaction, not 100.
 */
export async function settleInBatches<T>(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	read: (itemIndex: number) => T,
	settle: (launch: string, inputs: T[]) => Promise<IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const results: (INodeExecutionData | undefined)[] = new Array(items.length);
	const byLaunch = new Map<string, { itemIndex: number; input: T }[]>();
	const fail = (error: unknown, itemIndex: number) => {
		const nodeError = toNodeError(ctx, error, itemIndex);
		if (!ctx.continueOnFail()) throw nodeError;
		results[itemIndex] = { json: { error: nodeError.message }, pairedItem: { item: itemIndex } };
	};
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const launch = launchOf(ctx, itemIndex);
			const list = byLaunch.get(launch) ?? [];
			list.push({ itemIndex, input: read(itemIndex) });
			byLaunch.set(launch, list);
		} catch (error) {
			fail(error, itemIndex);
		}
	}
	for (const [launch, list] of byLaunch) {
		try {
			const settled = await settle(launch, list.map((l) => l.input));
			list.forEach((l, i) => (results[l.itemIndex] = { json: settled[i]!, pairedItem: { item: l.itemIndex } }));
		} catch (error) {
			for (const l of list) fail(error, l.itemIndex);
		}
	}
	return results.filter((r): r is INodeExecutionData => r !== undefined);
}

export function entryIdProperty(operation: string): INodeProperties[] {
	return [
		{
			displayName: 'Entry ID',
			name: 'entryId',
			type: 'string',
			default: '={{ $json.id }}',
			required: true,
			description: 'The ID of the claimed entry (from Claim Batch)',
			displayOptions: { show: { operation: [operation] } },
		},
		{
			displayName: 'Claim Token',
			name: 'claimToken',
			type: 'string',
			typeOptions: { password: true },
			default: '={{ $json.claimToken }}',
			required: true,
			description: 'The token Claim Batch handed out with the entry; it proves this run still holds the claim',
			displayOptions: { show: { operation: [operation] } },
		},
	];
}

export function claimProofOf(ctx: IExecuteFunctions, itemIndex: number): { id: string; claimToken: string } {
	return {
		id: requiredText(ctx, 'entryId', 'id', itemIndex, '{{ $json.id }} from Claim Batch'),
		claimToken: requiredText(ctx, 'claimToken', 'claimToken', itemIndex, '{{ $json.claimToken }} from Claim Batch'),
	};
}

export function personProperties(operations: string[]): INodeProperties[] {
	return [
		{
			displayName: 'By',
			name: 'by',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'ops@example.com',
			description: 'Who does this; recorded in the launch history',
			displayOptions: { show: { operation: operations } },
		},
		{
			displayName: 'Reason',
			name: 'reason',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Wrong product mapping in checkout',
			description: 'Why; recorded in the launch history',
			displayOptions: { show: { operation: operations } },
		},
	];
}
