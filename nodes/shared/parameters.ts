import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../ledger';

/*
 * The parameters several action nodes show, described once, with the readers that turn them into
 * ledger input. Each reader throws a LedgerInputError naming the ledger's field, so the item runner
 * (runner.ts) can name the parameter the user has to fix.
 */

/** The Launch parameter every action node takes. */
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

/**
 * A required text parameter; empty is an input error. `field` is the ledger's name for it when that
 * differs from the parameter's (the Entry ID parameter is the entry's `id`).
 */
export function requiredText(ctx: IExecuteFunctions, name: string, itemIndex: number, example: string, field = name): string {
	const value = textParameter(ctx, name, itemIndex);
	if (value === '') throw new LedgerInputError(field, `is required, e.g. ${example}`);
	return value;
}

/** A number parameter; an expression may hand over text, which is converted (and checked by the caller). */
export function numberParameter(ctx: IExecuteFunctions, name: string, itemIndex: number, fallback: number): number {
	const value = ctx.getNodeParameter(name, itemIndex, fallback) as unknown;
	return typeof value === 'number' ? value : Number(value);
}

/** "a, b , c" → ['a', 'b', 'c']: what users type into a comma-separated field, without the spaces. */
export function splitList(text: string): string[] {
	return text
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/**
 * A JSON parameter: n8n hands over an object when an expression produced one, text otherwise.
 * Empty text is `undefined`.
 */
export function jsonParameter(ctx: IExecuteFunctions, name: string, itemIndex: number, field: string, example = '{"first_name": "Ada"}'): unknown {
	const raw = ctx.getNodeParameter(name, itemIndex, '') as unknown;
	if (typeof raw !== 'string') return raw;
	if (raw.trim() === '') return undefined;
	let problem: string | undefined;
	try {
		return JSON.parse(raw) as unknown;
	} catch (error) {
		problem = (error as Error).message;
	}
	// Thrown as an input error (outside the catch) so the item runner names the parameter.
	throw new LedgerInputError(field, `is not valid JSON (${problem}); write it like ${example}`);
}

/** The contact id parameter; operations that name the contact differently pass their own texts. */
export function contactIdProperty(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.contactId }}',
		description: 'The ledger ID of the contact, as returned by an earlier Waitlist node (its contactId field)',
		...overrides,
	};
}

/** Where a person's decision is kept: the launch's history (outbox switches), the contact's (access pins), or a review item's. */
export type DecisionHistory = 'the launch history' | 'the contact\'s history' | 'the review item and the history of each contact it names';

/** Who decided, for operations a person carries out by hand. */
export function byProperty(operations: string[], history: DecisionHistory, example: string): INodeProperties {
	return {
		displayName: 'By',
		name: 'by',
		type: 'string',
		default: '',
		required: true,
		placeholder: example,
		description: `Who does this; recorded in ${history}`,
		displayOptions: { show: { operation: operations } },
	};
}

/** Why, for operations a person carries out by hand. */
export function reasonProperty(operations: string[], history: DecisionHistory, example: string, why = 'Why'): INodeProperties {
	return {
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		required: true,
		placeholder: example,
		description: `${why}; recorded in ${history}`,
		displayOptions: { show: { operation: operations } },
	};
}

/** Which claimed outbox entry, and the token that proves this run still holds it (Ack, Fail, Release). */
export function claimProofProperties(operation: string): INodeProperties[] {
	const displayOptions: IDisplayOptions = { show: { operation: [operation] } };
	return [
		{
			displayName: 'Entry ID',
			name: 'entryId',
			type: 'string',
			default: '={{ $json.id }}',
			required: true,
			description: 'The ID of the claimed entry (from Claim Batch)',
			displayOptions,
		},
		{
			displayName: 'Claim Token',
			name: 'claimToken',
			type: 'string',
			typeOptions: { password: true },
			default: '={{ $json.claimToken }}',
			required: true,
			description: 'The token Claim Batch handed out with the entry; it proves this run still holds the claim',
			displayOptions,
		},
	];
}

export function claimProofOf(ctx: IExecuteFunctions, itemIndex: number): { id: string; claimToken: string } {
	return {
		id: requiredText(ctx, 'entryId', itemIndex, '{{ $json.id }} from Claim Batch', 'id'),
		claimToken: requiredText(ctx, 'claimToken', itemIndex, '{{ $json.claimToken }} from Claim Batch'),
	};
}
