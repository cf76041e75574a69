import type { INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type OutboxStatus } from '../../../../ledger';
import { entryJson } from '../../../shared/outboxContacts';
import { launchOf, numberParameter, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxItemOperation } from '../common';

export function listProperties(operation: string): INodeProperties[] {
	const show = { show: { operation: [operation] } };
	return [
		{
			displayName: 'Kinds',
			name: 'kinds',
			type: 'string',
			default: '',
			placeholder: 'grant',
			description: 'Only entries of these kinds (comma-separated); empty for all',
			displayOptions: show,
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1, maxValue: 1000 },
			description: 'Max number of results to return',
			displayOptions: show,
		},
	];
}

export function listByStatus(status: OutboxStatus): OutboxItemOperation {
	return async function (ledger, itemIndex) {
		const limit = numberParameter(this, 'limit', itemIndex, 50);
		if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LedgerInputError('listLimit', `must be a whole number from 1 to 1000; got ${limit}`);
		const entries = await ledger.outbox.list({
			launch: launchOf(this, itemIndex),
			statuses: [status],
			kinds: textParameter(this, 'kinds', itemIndex) || undefined,
			limit,
		});
		return entries.map((entry) => done(entryJson(entry)));
	};
}
