import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { entryJson, withContacts } from '../../../shared/outboxContacts';
import { forEachItem, launchOf, numberParameter, text } from '../common';

const show = { show: { operation: ['claim'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Kinds',
		name: 'kinds',
		type: 'string',
		default: '',
		placeholder: 'esp_sync, tag_sync',
		description: 'Only entries of these kinds (comma-separated); empty for all kinds',
		displayOptions: show,
	},
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: 100,
		typeOptions: { minValue: 1, maxValue: 1000 },
		description: 'Most entries to claim at once — one vendor batch call\'s worth (HubSpot batch upsert takes 100)',
		displayOptions: show,
	},
	{
		displayName: 'Lease (Seconds)',
		name: 'leaseSeconds',
		type: 'number',
		default: 300,
		typeOptions: { minValue: 1, maxValue: 86400 },
		description: 'How long this run holds the entries. Ack or fail them before it ends; after it, another run may claim them again.',
		displayOptions: show,
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		default: 'entries',
		options: [
			{ name: 'One Item per Entry', value: 'entries', description: 'For vendor calls one entry at a time' },
			{ name: 'One Item with All Entries', value: 'batch', description: 'For vendor batch APIs: {entries: [...]}; ack them with a Split Out first' },
		],
		displayOptions: show,
	},
	{
		displayName: 'Include Contact',
		name: 'includeContact',
		type: 'boolean',
		default: false,
		description:
			'Whether to add each entry\'s contact as the ledger has it now (email, first name, campaign fields, tags) under "contact", for the vendor step that follows',
		displayOptions: show,
	},
];

export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const workerId = `n8n:${this.getWorkflow().id ?? 'workflow'}:${this.getExecutionId() ?? 'manual'}`;
	return forEachItem(this, items, async (i) => {
		const entries = await ledger.outbox.claim({
			launch: launchOf(this, i),
			kinds: text(this, 'kinds', i) || undefined,
			limit: numberParameter(this, 'batchSize', i, 100),
			leaseMs: Math.round(numberParameter(this, 'leaseSeconds', i, 300) * 1000),
			workerId,
		});
		let json = entries.map(entryJson);
		if (this.getNodeParameter('includeContact', i, false) === true) json = await withContacts(ledger, json);
		if (this.getNodeParameter('outputMode', i, 'entries') === 'batch') return entries.length ? [{ count: entries.length, entries: json }] : [];
		return json;
	});
}
