import type { INodeProperties } from 'n8n-workflow';

import type { PauseScope } from '../../../../ledger';
import { launchOf, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { personProperties, type OutboxItemOperation } from '../common';

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
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const { state, heldNow } = await ledger.outbox.pause({
		launch: launchOf(this, itemIndex),
		scope: this.getNodeParameter('scope', itemIndex, 'grants') as PauseScope,
		by: textParameter(this, 'by', itemIndex),
		reason: textParameter(this, 'reason', itemIndex),
		source: sourceOf(this),
	});
	return [done({ ...state, heldNow })];
};
