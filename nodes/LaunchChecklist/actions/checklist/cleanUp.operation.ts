import type { INodeProperties } from 'n8n-workflow';

import { done } from '../../../shared/runner';
import { vendorCredentials, existingRun, type ChecklistOperation } from '../common';
import { cleanUp } from '../../steps/cleanUp';

export const description: INodeProperties[] = [];

/** Removes the run's test records: at the vendors where their API allows, then the ledger's test data. */
export const execute: ChecklistOperation = async function (ledger, itemIndex) {
	const run = await existingRun(this, ledger, itemIndex);
	const vendors = await vendorCredentials(this, itemIndex);
	return [done(await cleanUp(this, ledger, { run, ...vendors }))];
};
