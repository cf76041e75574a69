import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { forEachItem, launchOf, sourceOf, text } from '../common';

const show = { show: { operation: ['requeueDead'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Entry IDs',
		name: 'entryIds',
		type: 'string',
		default: '',
		description: 'Dead entries to retry (comma-separated IDs); empty for every dead entry of the kinds below',
		displayOptions: show,
	},
	{
		displayName: 'Kinds',
		name: 'kinds',
		type: 'string',
		default: '',
		placeholder: 'esp_sync',
		description: 'With no IDs: only dead entries of these kinds (comma-separated); empty for all',
		displayOptions: show,
	},
];

/** Puts dead entries back in the queue with fresh attempts. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return forEachItem(this, items, async (i) => {
		const ids = text(this, 'entryIds', i);
		const { requeued } = await ledger.outbox.requeueDead({
			launch: launchOf(this, i),
			ids: ids || undefined,
			kinds: text(this, 'kinds', i) || undefined,
			source: sourceOf(this),
		});
		return { requeued, count: requeued.length };
	});
}
