import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { forEachItem, launchOf, personProperties, sourceOf, text } from '../common';

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

export function settleHeld(action: 'releaseHeld' | 'discardHeld') {
	return async function (this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
		return forEachItem(this, items, async (i) => {
			const input = { launch: launchOf(this, i), ids: text(this, 'entryIds', i), by: text(this, 'by', i), reason: text(this, 'reason', i), source: sourceOf(this) };
			const { ids } = await ledger.outbox[action](input);
			return { [action === 'releaseHeld' ? 'released' : 'discarded']: ids };
		});
	};
}
