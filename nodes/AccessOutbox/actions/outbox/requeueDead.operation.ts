import type { INodeProperties } from 'n8n-workflow';

import { launchOf, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxItemOperation } from '../common';

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
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const { requeued } = await ledger.outbox.requeueDead({
		launch: launchOf(this, itemIndex),
		ids: textParameter(this, 'entryIds', itemIndex) || undefined,
		kinds: textParameter(this, 'kinds', itemIndex) || undefined,
		source: sourceOf(this),
	});
	return [done({ requeued, count: requeued.length })];
};
