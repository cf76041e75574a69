import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf, requiredText, textParameter } from '../../../shared/parameters';
import { refundWindowMs, routeDecision, type Routed } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'Reason',
		name: 'unpinReason',
		type: 'string',
		default: '',
		placeholder: 'e.g. Scholarship ended',
		description: 'Why the pin is removed (optional); kept in the contact\'s history',
		displayOptions: { show: { operation: ['unpin'] } },
	},
];

/** Removes a pin: access follows the payments again, which may grant or revoke right now. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const reason = textParameter(this, 'unpinReason', itemIndex);
	const decision = await ledger.purchases.unpin({
		launch,
		contactId: requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}'),
		productId: requiredText(this, 'productId', itemIndex, '"course-101"'),
		by: requiredText(this, 'by', itemIndex, '"sam@example.com"'),
		...(reason ? { reason } : {}),
		revokeAfterMs: refundWindowMs(this, itemIndex),
	});
	return [routeDecision(launch, decision)];
}
