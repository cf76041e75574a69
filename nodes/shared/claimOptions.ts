import type { IDataObject, IDisplayOptions, IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { LedgerInputError, type ClaimedOutboxEntry, type Ledger } from '../../ledger';
import { entryJson, withContacts } from './outboxContacts';
import { numberParameter } from './parameters';

/** What differs between the nodes that hand out claimed outbox entries (Access Outbox claim, Reconcile Sweep). */
export interface ClaimOptionSettings {
	/** Where the options show. */
	show: IDisplayOptions & { show: NonNullable<IDisplayOptions['show']> };
	/** The second choice of the Output option: how this node batches entries for vendor batch APIs. */
	batchOutput: INodePropertyOptions;
	/** Shown right after Output, e.g. the batch size of the batch choice. */
	afterOutput?: INodeProperties[];
	/** Whether each entry's contact is added unless the user says otherwise. */
	includeContactDefault: boolean;
}

const INCLUDE_CONTACT: INodeProperties = {
	displayName: 'Include Contact',
	name: 'includeContact',
	type: 'boolean',
	default: false,
	description:
		'Whether to add each entry\'s contact as the ledger has it now (email, first name, campaign fields, tags) under "contact", for the vendor step that follows',
};

/** Lease, Output and Include Contact: how claimed entries leave the node. */
export function claimOptionProperties(settings: ClaimOptionSettings): INodeProperties[] {
	const { show } = settings;
	return [
		{
			displayName: 'Lease (Seconds)',
			name: 'leaseSeconds',
			type: 'number',
			default: 300,
			typeOptions: { minValue: 1, maxValue: 86400 },
			description: 'How long this run holds the entries it hands out. Ack or fail them (Access Outbox) before it ends; after it, another run may claim them again.',
			displayOptions: show,
		},
		{
			displayName: 'Output',
			name: 'outputMode',
			type: 'options',
			default: 'entries',
			options: [{ name: 'One Item per Entry', value: 'entries', description: 'For vendor calls one entry at a time' }, settings.batchOutput],
			displayOptions: show,
		},
		...(settings.afterOutput ?? []),
		// n8n's lint reads only a literal boolean default, so the node's own default is set here.
		{ ...INCLUDE_CONTACT, default: settings.includeContactDefault, displayOptions: show },
	];
}

/** The lease in ms, refusing what the ledger would refuse, in the seconds the user typed. */
export function leaseMsOf(ctx: IExecuteFunctions, itemIndex: number): number {
	const seconds = numberParameter(ctx, 'leaseSeconds', itemIndex, 300);
	if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86400) throw new LedgerInputError('leaseSeconds', `must be from 1 to 86400 seconds; got ${String(seconds)}`);
	return Math.round(seconds * 1000);
}

/** The worker id recorded on claims: which workflow and execution holds them. */
export function workerIdOf(ctx: IExecuteFunctions): string {
	return `n8n:${ctx.getWorkflow().id ?? 'workflow'}:${ctx.getExecutionId() ?? 'manual'}`;
}

/** Claimed entries as output json (with their contact when asked), in claim order. */
export async function claimedJson(ctx: IExecuteFunctions, ledger: Ledger, entries: ClaimedOutboxEntry[], itemIndex: number, includeContactDefault: boolean): Promise<IDataObject[]> {
	const json = entries.map(entryJson);
	return ctx.getNodeParameter('includeContact', itemIndex, includeContactDefault) === true ? withContacts(ledger, json) : json;
}
