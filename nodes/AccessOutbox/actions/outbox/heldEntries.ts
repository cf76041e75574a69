import type { INodeProperties } from 'n8n-workflow';

import { launchOf, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { personProperties, type OutboxItemOperation } from '../common';

/** Shared by Release Held and Discard Held: which entries, who and why. */
export function heldEntryProperties(operation: string): INodeProperties[] {
	return [
		{
			displayName: 'Entry IDs',
			name: 'entryIds',
			type: 'string',
			default: '={{ $json.id }}',
			required: true,
			description: 'The held entries (comma-separated IDs, from List Held)',
			displayOptions: { show: { operation: [operation] } },
		},
		...personProperties([operation]),
	];
}

export function settleHeld(action: 'releaseHeld' | 'discardHeld'): OutboxItemOperation {
	return async function (ledger, itemIndex) {
		const { ids } = await ledger.outbox[action]({
			launch: launchOf(this, itemIndex),
			ids: textParameter(this, 'entryIds', itemIndex),
			by: textParameter(this, 'by', itemIndex),
			reason: textParameter(this, 'reason', itemIndex),
			source: sourceOf(this),
		});
		return [done({ [action === 'releaseHeld' ? 'released' : 'discarded']: ids })];
	};
}
