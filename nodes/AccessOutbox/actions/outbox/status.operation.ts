import type { INodeProperties } from 'n8n-workflow';

import { launchOf } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxItemOperation } from '../common';

export const description: INodeProperties[] = [];

/** Counts by status, entries due now, expired leases, and the kill switch. */
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const health = await ledger.outbox.health(launchOf(this, itemIndex));
	return [done({ ...health, byStatus: { ...health.byStatus }, pause: { ...health.pause } })];
};
