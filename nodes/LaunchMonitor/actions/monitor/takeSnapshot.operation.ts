import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { SnapshotRecord } from '../../../../ledger';
import { isoTime } from '../../../shared/monitorFormat';
import { launchOf } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { MonitorOperation } from '../common';

export const description: INodeProperties[] = [
	{
		displayName:
			'Keeps the last complete window (5 minutes unless the launch settings say otherwise) and the last complete hour in the ledger, for the dashboard\'s sparklines and the alerts\' baseline. Run it at least once per window, e.g. from a Schedule Trigger every 5 minutes; a window nobody kept is not filled in later. Several workers may run it at once: each window is kept once.',
		name: 'takeSnapshotNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['takeSnapshot'] } },
	},
];

function snapshotJson(s: SnapshotRecord): IDataObject {
	return { windowStart: isoTime(s.windowStart), windowEnd: isoTime(s.windowEnd), windowSeconds: s.windowMs / 1000, measuredAt: isoTime(s.measuredAt), signups: s.signups };
}

/** One item per input item: the window kept (or found kept by another run) and the hour's row. */
export const execute: MonitorOperation = async function (ledger, itemIndex) {
	const launch = launchOf(this, itemIndex);
	const { snapshot, created, hourly } = await ledger.monitor.takeSnapshot({ launch });
	const s = snapshot.signals;
	return [
		done({
			launch,
			created,
			...snapshotJson(snapshot),
			newPeople: s.ingestion.newPeople,
			repeats: s.ingestion.repeats,
			refusedSignups: s.ingestion.refused,
			utmSourcePercent: s.utm.sourcePercent,
			purchasesMatchedPercent: s.reconciliation.percent,
			paidWithoutAccess: s.delivery.paidWithoutAccess.count,
			hourly: snapshotJson(hourly),
			signals: structuredClone(s) as unknown as IDataObject,
		}),
	];
};
