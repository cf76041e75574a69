import type { INodeProperties } from 'n8n-workflow';

import { claimedJson, claimOptionProperties, leaseMsOf, workerIdOf } from '../../../shared/claimOptions';
import { launchOf, numberParameter, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxItemOperation } from '../common';

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
	...claimOptionProperties({
		show,
		batchOutput: { name: 'One Item with All Entries', value: 'batch', description: 'For vendor batch APIs: {entries: [...]}; ack them with a Split Out first' },
		includeContactDefault: false,
	}),
];

/** Due entries for this run, one item each, or one item with all of them for a vendor batch API. */
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const entries = await ledger.outbox.claim({
		launch: launchOf(this, itemIndex),
		kinds: textParameter(this, 'kinds', itemIndex) || undefined,
		limit: numberParameter(this, 'batchSize', itemIndex, 100),
		leaseMs: leaseMsOf(this, itemIndex),
		workerId: workerIdOf(this),
	});
	const json = await claimedJson(this, ledger, entries, itemIndex, false);
	if (this.getNodeParameter('outputMode', itemIndex, 'entries') === 'batch') return entries.length ? [done({ count: entries.length, entries: json })] : [];
	return json.map(done);
};
