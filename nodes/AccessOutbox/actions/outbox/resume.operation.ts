import type { INodeProperties } from 'n8n-workflow';

import { launchOf, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { personProperties, type OutboxItemOperation } from '../common';

export const description: INodeProperties[] = [...personProperties(['resume'])];

/** Kill switch off: every held entry is released, in the order it was created. */
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const result = await ledger.outbox.resume({
		launch: launchOf(this, itemIndex),
		by: textParameter(this, 'by', itemIndex),
		reason: textParameter(this, 'reason', itemIndex),
		source: sourceOf(this),
	});
	return [done({ ...result })];
};
