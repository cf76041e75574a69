import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { claimOptionProperties } from '../../../shared/claimOptions';

/** How claimed entries leave the Fixes output; shared by both operations (shown where `show` says). */
export function claimProperties(show: IDisplayOptions & { show: NonNullable<IDisplayOptions['show']> }): INodeProperties[] {
	return claimOptionProperties({
		show,
		batchOutput: { name: 'One Item per Batch of One Kind', value: 'batch', description: 'For vendor batch APIs: {kind, count, entries: [...]}; split them out before Ack / Fail' },
		afterOutput: [
			{
				displayName: 'Entries per Fix Item',
				name: 'fixBatchSize',
				type: 'number',
				default: 100,
				typeOptions: { minValue: 1, maxValue: 1000 },
				description: 'Most entries in one batch item, e.g. 100 for HubSpot\'s batch upsert',
				displayOptions: { show: { ...show.show, outputMode: ['batch'] } },
			},
		],
		includeContactDefault: true,
	});
}
