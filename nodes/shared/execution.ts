import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { ForgottenIdentityError, LedgerInputError, type Ledger } from '../../ledger';
import { ledgerFor } from './ledgerAccess';

/** Output indexes of the action nodes: "Done" and "Review". */
export const DONE_OUTPUT = 0;
export const REVIEW_OUTPUT = 1;

/** One output item of an operation and the output it leaves on. */
export interface Routed {
	output: 'done' | 'review';
	json: IDataObject;
}

export const done = (json: IDataObject): Routed => ({ output: 'done', json });
export const review = (json: IDataObject): Routed => ({ output: 'review', json });

/** What every operation file exports as `execute`: one input item in, any number of routed items out. */
export type OperationExecute = (this: IExecuteFunctions, ledger: Ledger, itemIndex: number) => Promise<Routed[]>;

/**
 * Parameter labels by the ledger's field name (the part before the first "." or "["), so an error
 * about `tags[2]` tells the user to fix "Tags", the name they see in the node.
 */
export type FieldLabels = Record<string, string>;

/** The Launch parameter every operation takes. */
export const launchProperty: INodeProperties = {
	displayName: 'Launch',
	name: 'launch',
	type: 'string',
	default: 'default',
	required: true,
	description:
		'Which launch this belongs to, e.g. "spring-course-2027". One ledger can hold several launches; leave "default" if you run only one.',
};

/** An empty launch (say, an expression reading a missing field) is an error, never a quiet "default". */
export function launchOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const launch = textParameter(ctx, 'launch', itemIndex);
	if (launch === '') throw new LedgerInputError('launch', 'is empty; enter the launch\'s name, e.g. "default" or "spring-course-2027"');
	return launch;
}

/** Recorded on every event, so a contact's history says which node made a change. */
export function sourceOf(ctx: IExecuteFunctions): string {
	return `n8n:${ctx.getNode().name}`;
}

/** A text parameter, trimmed; '' when empty. */
export function textParameter(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const value = ctx.getNodeParameter(name, itemIndex, '') as unknown;
	if (value === undefined || value === null) return '';
	return (typeof value === 'string' ? value : String(value)).trim();
}

/** "a, b , c" → ['a', 'b', 'c']: what users type into a comma-separated field, without the spaces. */
export function splitList(text: string): string[] {
	return text
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/** A required text parameter; empty is an input error naming the parameter. */
export function requiredText(ctx: IExecuteFunctions, name: string, itemIndex: number, example: string): string {
	const value = textParameter(ctx, name, itemIndex);
	if (value === '') throw new LedgerInputError(name, `is required, e.g. ${example}`);
	return value;
}

/** A JSON parameter: n8n hands over an object when an expression produced one, text otherwise. */
export function jsonParameter(ctx: IExecuteFunctions, name: string, itemIndex: number, field: string): unknown {
	const raw = ctx.getNodeParameter(name, itemIndex, '') as unknown;
	if (typeof raw !== 'string') return raw;
	if (raw.trim() === '') return undefined;
	let problem: string | undefined;
	try {
		return JSON.parse(raw) as unknown;
	} catch (error) {
		problem = (error as Error).message;
	}
	// Thrown as an input error (outside the catch) so runForEachItem names the parameter.
	throw new LedgerInputError(field, `is not valid JSON (${problem}); write it like {"first_name": "Ada"}`);
}

function fieldRoot(field: string): string {
	return field.split(/[.[]/)[0] ?? field;
}

/** Turns what went wrong into the error the user sees, naming the parameter to fix. */
export function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number, labels: FieldLabels): { error: NodeOperationError; field: string | null } {
	if (error instanceof NodeOperationError) return { error, field: null };
	if (error instanceof LedgerInputError) {
		const label = labels[error.field] ?? labels[fieldRoot(error.field)] ?? error.field;
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
	return {
		field: null,
		error: new NodeOperationError(ctx.getNode(), error as Error, {
			itemIndex,
			description:
				'The ledger could not carry out this operation. Check the Waitlist Ledger credential (or, without one, that the n8n user folder is writable) and that its database is reachable.',
		}),
	};
}

/**
 * Runs an operation for every input item: items go to Done or Review with their pairedItem; an
 * error stops the node, or, with "continue on fail", becomes `{ error, field }` on the Done output.
 */
export async function runForEachItem(ctx: IExecuteFunctions, operation: OperationExecute, labels: FieldLabels): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const outputs: INodeExecutionData[][] = [[], []];
	let ledger: Ledger | undefined;
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			// Opened on first use, inside the item's try: a broken credential is reported like any failure.
			ledger ??= await ledgerFor(ctx);
			for (const routed of await operation.call(ctx, ledger, itemIndex)) {
				outputs[routed.output === 'review' ? REVIEW_OUTPUT : DONE_OUTPUT]!.push({ json: routed.json, pairedItem: { item: itemIndex } });
			}
		} catch (caught) {
			const { error, field } = toNodeError(ctx, caught, itemIndex, labels);
			if (!ctx.continueOnFail()) throw error;
			// n8n moves an item to the Error output only when its json has no keys but error / message /
			// details, so in that mode the field travels in `details`.
			const json: IDataObject =
				ctx.getNode().onError === 'continueErrorOutput' ? { error: error.message, details: { field } } : { error: error.message, field };
			outputs[DONE_OUTPUT]!.push({ json, pairedItem: { item: itemIndex } });
		}
	}
	return outputs;
}
