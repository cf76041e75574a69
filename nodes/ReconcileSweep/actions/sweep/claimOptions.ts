import type { IDataObject, IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type ClaimedOutboxEntry, type Ledger } from '../../../../ledger';
import { entryJson, withContacts } from '../../../shared/outboxContacts';

/** How claimed entries leave the node; shared by both operations (shown where `show` says). */
export function claimProperties(show: IDisplayOptions & { show: NonNullable<IDisplayOptions['show']> }): INodeProperties[] {
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
			options: [
				{ name: 'One Item per Entry', value: 'entries', description: 'For vendor calls one entry at a time' },
				{ name: 'One Item per Batch of One Kind', value: 'batch', description: 'For vendor batch APIs: {kind, count, entries: [...]}; split them out before Ack / Fail' },
			],
			displayOptions: show,
		},
		{
			displayName: 'Entries per Fix Item',
			name: 'fixBatchSize',
			type: 'number',
			default: 100,
			typeOptions: { minValue: 1, maxValue: 1000 },
			description: 'Most entries in one batch item, e.g. 100 for HubSpot\'s batch upsert',
			displayOptions: { show: { ...show.show, outputMode: ['batch'] } },
		},
		{
			displayName: 'Include Contact',
			name: 'includeContact',
			type: 'boolean',
			default: true,
			description: 'Whether to add each entry\'s contact as the ledger has it now (email, first name, campaign fields, tags) under "contact", for the vendor step',
			displayOptions: show,
		},
	];
}

export function leaseMsOf(ctx: IExecuteFunctions): number {
	const seconds = Number(ctx.getNodeParameter('leaseSeconds', 0, 300));
	if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86400) throw new LedgerInputError('leaseSeconds', `must be from 1 to 86400 seconds; got ${String(seconds)}`);
	return Math.round(seconds * 1000);
}

/** Claimed entries as output json (with their contact when asked), in claim order. */
export async function claimedJson(ctx: IExecuteFunctions, ledger: Ledger, entries: ClaimedOutboxEntry[]): Promise<IDataObject[]> {
	const json = entries.map(entryJson);
	return ctx.getNodeParameter('includeContact', 0, true) === true ? withContacts(ledger, json) : json;
}
