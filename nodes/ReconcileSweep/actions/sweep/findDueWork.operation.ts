import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { claimedJson, leaseMsOf, workerIdOf } from '../../../shared/claimOptions';
import { launchOf, sourceOf, textParameter } from '../../../shared/parameters';
import { fixItems, sweepResults, type SweepOperation } from '../common';
import { claimProperties } from './claimProperties';

const show = { show: { operation: ['findDueWork'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Kinds',
		name: 'kinds',
		type: 'string',
		default: '',
		placeholder: 'grant, revoke',
		description: 'Only entries of these kinds (comma-separated: grant, revoke, esp_sync, crm_sync, tag_sync); empty for all kinds',
		displayOptions: show,
	},
	{
		displayName: 'Most Entries',
		name: 'maxEntries',
		type: 'number',
		default: 500,
		typeOptions: { minValue: 1, maxValue: 1000 },
		description: 'Most entries to hand out in one run; the rest wait for the next run',
		displayOptions: show,
	},
	...claimProperties(show),
];

/**
 * Part (a) of the sweep: everything in the outbox whose time has come — retries after their backoff,
 * claims whose lease ran out (the run that held them stopped), and entries nobody drained yet — is
 * claimed for this run and handed to the vendor steps. The Report says what the outbox looked like.
 */
export const execute: SweepOperation = async function (ledger) {
	const launch = launchOf(this, 0);
	// Dead syncs a later sync of the same contact delivered are closed (see ledger/outbox/supersede.ts).
	const superseded = await ledger.outbox.settleSuperseded({ launch, source: sourceOf(this) });
	const before = await ledger.outbox.health(launch);
	const entries = await ledger.outbox.claim({
		launch,
		kinds: textParameter(this, 'kinds', 0) || undefined,
		limit: Number(this.getNodeParameter('maxEntries', 0, 500)),
		leaseMs: leaseMsOf(this, 0),
		workerId: workerIdOf(this),
	});
	const json = await claimedJson(this, ledger, entries, 0, true);
	const byKind: IDataObject = {};
	for (const entry of entries) byKind[entry.kind] = Number(byKind[entry.kind] ?? 0) + 1;
	const mode = this.getNodeParameter('outputMode', 0, 'entries') as string;
	return sweepResults({
		fixes: fixItems(json, mode, Number(this.getNodeParameter('fixBatchSize', 0, 100))),
		report: {
			operation: 'findDueWork',
			launch,
			claimed: entries.length,
			byKind,
			// A first attempt is new work; anything else is a retry or a re-claimed expired lease.
			retries: entries.filter((e) => e.attempts > 1).length,
			dueBefore: before.dueNow,
			expiredLeasesBefore: before.expiredLeases,
			supersededDead: superseded.length,
			outbox: before as unknown as IDataObject,
		},
		review: [],
	});
};
