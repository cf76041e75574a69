import type { INodeProperties } from 'n8n-workflow';

import { done } from '../../../shared/runner';
import { vendorCredentials, existingRun, waitMsOf, type ChecklistOperation } from '../common';
import { cleanUp } from '../../steps/cleanUp';

export const description: INodeProperties[] = [
	{
		displayName: 'Wait Up To (Seconds)',
		name: 'waitSeconds',
		type: 'number',
		default: 90,
		typeOptions: { minValue: 0, maxValue: 900 },
		description: 'How long to wait for the outbox drain to take the test buyer\'s access back at your course platform; after that Clean Up says it is waiting and can be run again with the same Run ID',
		displayOptions: { show: { operation: ['cleanUp'] } },
	},
];

/** Removes the run's test records: the test buyers' access (through the outbox), at the vendors where their API allows, then the ledger's test data. */
export const execute: ChecklistOperation = async function (ledger, itemIndex) {
	const run = await existingRun(this, ledger, itemIndex);
	const vendors = await vendorCredentials(this, itemIndex);
	return [done(await cleanUp(this, ledger, { run, ...vendors, waitMs: waitMsOf(this, itemIndex) }))];
};
