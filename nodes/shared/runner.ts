import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { ForgottenIdentityError, LedgerInputError, type Ledger } from '../../ledger';
import { ledgerFor } from './ledgerAccess';
import { launchOf } from './parameters';

/*
 * The one item runner of the action nodes. An operation says what to do; the runner opens the
 * ledger, routes what the operation returns to the node's outputs with its pairedItem, and turns
 * every failure into the error the user sees (naming the parameter to fix), or, with "continue on
 * fail", into an error item. Three shapes: per item, settled per launch, and once per run.
 */

/** One output item of an operation and the output (by key) it leaves on. */
export interface Routed<K extends string = DoneOrReview> {
	output: K;
	json: IDataObject;
}

export type DoneOrReview = 'done' | 'review';

export const done = (json: IDataObject): Routed<'done'> => ({ output: 'done', json });
export const review = (json: IDataObject): Routed<'review'> => ({ output: 'review', json });

/**
 * Parameter labels by the ledger's field name, so an error about `tags[2]` tells the user to fix
 * "Tags", the name they see in the node.
 */
export type FieldLabels = Record<string, string>;

/** How a node's results leave it. */
export interface NodeOutputs<K extends string> {
	/** The output keys in the order of the node's outputs, e.g. ['done', 'review']. */
	keys: readonly K[];
	/** The output an error item leaves on under "continue on fail" (n8n's error output takes it from there). */
	errorOutput: K;
	labels: FieldLabels;
}

/** The outputs of Waitlist Contact and Waitlist Tags. */
export const DONE_REVIEW_KEYS = ['done', 'review'] as const;

/** Per item: one input item in, any number of routed items out. */
export type ItemOperation<K extends string = DoneOrReview> = (this: IExecuteFunctions, ledger: Ledger, itemIndex: number) => Promise<Array<Routed<K>>>;

/** Once per run, whatever the item count: everything that arrived belongs together. */
export type RunOperation<K extends string> = (this: IExecuteFunctions, ledger: Ledger) => Promise<Array<Routed<K>>>;

/** Settled per launch: every item is read and checked on its own, then each launch's inputs are settled together. */
export interface LaunchSettlement<K extends string, T> {
	/** One item's input; a bad item fails alone. */
	read(this: IExecuteFunctions, itemIndex: number): T;
	/** One ledger call for all inputs of a launch; returns one routed item per input, in the same order. */
	settle(this: IExecuteFunctions, ledger: Ledger, launch: string, inputs: T[]): Promise<Array<Routed<K>>>;
}

const UNREACHABLE =
	'The ledger could not carry out this operation. Check the Waitlist Ledger credential (or, without one, that the n8n user folder is writable) and that its database is reachable.';

/** The label for a ledger field: its own, its root's (`tags` for `tags[2]`), or its last part's (`claimToken` for `entries[0].claimToken`). */
function labelOf(field: string, labels: FieldLabels): string {
	const root = field.split(/[.[]/)[0] ?? field;
	const last = (field.split('.').pop() ?? field).replace(/\[\d+\]$/, '');
	return labels[field] ?? labels[root] ?? labels[last] ?? field;
}

/** Turns what went wrong into the error the user sees, naming the parameter to fix. */
export function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number, labels: FieldLabels): { error: NodeOperationError; field: string | null } {
	if (error instanceof NodeOperationError) return { error, field: null };
	if (error instanceof LedgerInputError) {
		const label = labelOf(error.field, labels);
		const where = error.field === label || labels[error.field] ? '' : ` (${error.field})`;
		return {
			field: error.field,
			error: new NodeOperationError(ctx.getNode(), `${label}${where}: ${error.reason}`, {
				itemIndex,
				description: `Fix the "${label}" parameter (or the data it reads from the input item) and run the node again.`,
			}),
		};
	}
	if (error instanceof ForgottenIdentityError) {
		return {
			field: null,
			error: new NodeOperationError(ctx.getNode(), error.message, {
				itemIndex,
				description: 'This person asked to be forgotten; the ledger will not store them again from old data. Drop this item.',
			}),
		};
	}
	return { field: null, error: new NodeOperationError(ctx.getNode(), error as Error, { itemIndex, description: UNREACHABLE }) };
}

/** The ledger, opened on first use inside an item's try: a broken credential is reported like any failure. */
function ledgerOnFirstUse(ctx: IExecuteFunctions): () => Promise<Ledger> {
	let opened: Ledger | undefined;
	return async () => (opened ??= await ledgerFor(ctx));
}

/** What each input item produced, kept per item so the outputs list items in input order. */
class ItemResults<K extends string> {
	private readonly byItem: Array<Array<Routed<K>>>;

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly outputs: NodeOutputs<K>,
		itemCount: number,
	) {
		this.byItem = Array.from({ length: itemCount }, () => []);
	}

	add(itemIndex: number, routed: Array<Routed<K>>): void {
		// One by one: a sweep can route 100,000 fixes, too many for push(...routed)'s arguments.
		const results = this.byItem[itemIndex]!;
		for (const item of routed) results.push(item);
	}

	/** Stops the node with the error, or with "continue on fail" keeps it as this item's result. */
	fail(caught: unknown, itemIndex: number): void {
		const { error, field } = toNodeError(this.ctx, caught, itemIndex, this.outputs.labels);
		if (!this.ctx.continueOnFail()) throw error;
		// n8n moves an item to the Error output only when its json has no keys but error / message /
		// details, so in that mode the field travels in `details`.
		const json: IDataObject =
			this.ctx.getNode().onError === 'continueErrorOutput' ? { error: error.message, details: { field } } : { error: error.message, field };
		this.byItem[itemIndex]!.push({ output: this.outputs.errorOutput, json });
	}

	toOutputs(): INodeExecutionData[][] {
		const data: INodeExecutionData[][] = this.outputs.keys.map(() => []);
		this.byItem.forEach((routed, itemIndex) => {
			for (const { output, json } of routed) {
				const index = this.outputs.keys.indexOf(output);
				if (index < 0) throw new NodeOperationError(this.ctx.getNode(), `The operation routed an item to "${output}", which is not an output of this operation`);
				data[index]!.push({ json, pairedItem: { item: itemIndex } });
			}
		});
		return data;
	}
}

/** Runs `operation` for every input item. */
export async function runForEachItem<K extends string>(ctx: IExecuteFunctions, outputs: NodeOutputs<K>, operation: ItemOperation<K>): Promise<INodeExecutionData[][]> {
	const itemCount = ctx.getInputData().length;
	const results = new ItemResults(ctx, outputs, itemCount);
	const ledger = ledgerOnFirstUse(ctx);
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			results.add(itemIndex, await operation.call(ctx, await ledger(), itemIndex));
		} catch (caught) {
			results.fail(caught, itemIndex);
		}
	}
	return results.toOutputs();
}

/**
 * Reads every item on its own (bad input fails that item only), then settles all valid items of a
 * launch in one ledger call — a drain of 100 entries is one transaction, not 100. A failed call fails
 * the items of that launch.
 */
export async function runSettledPerLaunch<K extends string, T>(
	ctx: IExecuteFunctions,
	outputs: NodeOutputs<K>,
	settlement: LaunchSettlement<K, T>,
): Promise<INodeExecutionData[][]> {
	const itemCount = ctx.getInputData().length;
	const results = new ItemResults(ctx, outputs, itemCount);
	const byLaunch = new Map<string, Array<{ itemIndex: number; input: T }>>();
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const launch = launchOf(ctx, itemIndex);
			const input = settlement.read.call(ctx, itemIndex);
			const batch = byLaunch.get(launch) ?? [];
			batch.push({ itemIndex, input });
			byLaunch.set(launch, batch);
		} catch (caught) {
			results.fail(caught, itemIndex);
		}
	}
	const ledger = ledgerOnFirstUse(ctx);
	for (const [launch, batch] of byLaunch) {
		try {
			const settled = await settlement.settle.call(ctx, await ledger(), launch, batch.map((b) => b.input));
			if (settled.length !== batch.length) throw new Error(`Settling ${batch.length} entries gave ${settled.length} results`);
			batch.forEach((b, i) => results.add(b.itemIndex, [settled[i]!]));
		} catch (caught) {
			for (const b of batch) results.fail(caught, b.itemIndex);
		}
	}
	return results.toOutputs();
}

/** Runs `operation` once for the whole input; its settings are read with item 0, and every result pairs with item 0. */
export async function runOnce<K extends string>(ctx: IExecuteFunctions, outputs: NodeOutputs<K>, operation: RunOperation<K>): Promise<INodeExecutionData[][]> {
	const results = new ItemResults(ctx, outputs, 1);
	try {
		results.add(0, await operation.call(ctx, await ledgerFor(ctx)));
	} catch (caught) {
		results.fail(caught, 0);
	}
	return results.toOutputs();
}
