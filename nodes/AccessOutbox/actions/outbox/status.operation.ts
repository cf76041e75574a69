import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { forEachItem, launchOf } from '../common';

export const description: INodeProperties[] = [];

/** Counts by status, entries due now, expired leases, and the kill switch. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return forEachItem(this, items, async (i) => {
		const health = await ledger.outbox.health(launchOf(this, i));
		return { ...health, byStatus: { ...health.byStatus }, pause: { ...health.pause } };
	});
}
