import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger, PauseScope } from '../../../../ledger';
import { forEachItem, launchOf, personProperties, sourceOf, text } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'Scope',
		name: 'scope',
		type: 'options',
		default: 'grants',
		options: [
			{ name: 'Access Grants Only', value: 'grants', description: 'Hold grants; ESP/CRM sync and revokes keep flowing' },
			{ name: 'All Vendor Calls', value: 'all', description: 'Hold every outbox entry' },
		],
		displayOptions: { show: { operation: ['pause'] } },
	},
	...personProperties(['pause']),
];

/**
 * Kill switch on: held kinds are not handed out; new ones are held and their contacts tagged
 * access-on-hold until resume (or a person releases or discards them one by one).
 */
export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return forEachItem(this, items, async (i) => {
		const { state, heldNow } = await ledger.outbox.pause({
			launch: launchOf(this, i),
			scope: this.getNodeParameter('scope', i, 'grants') as PauseScope,
			by: text(this, 'by', i),
			reason: text(this, 'reason', i),
			source: sourceOf(this),
		});
		return { ...state, heldNow };
	});
}
