import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { AccessPin, Ledger } from '../../../../ledger';
import { launchOf, reasonProperty, requiredText, textParameter } from '../../../shared/parameters';
import { routeDecision, type Routed } from '../common';

const show = { show: { operation: ['pin'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Pin',
		name: 'pin',
		type: 'options',
		default: 'grant',
		options: [
			{ name: 'Grant Access', value: 'grant', description: 'Give access whatever the payments say (a scholarship, a payment outside the checkout)' },
			{ name: 'Revoke Access', value: 'revoke', description: 'Take access away whatever the payments say (abuse, a shared login)' },
		],
		displayOptions: show,
	},
	reasonProperty(['pin'], "the contact's history", 'e.g. Scholarship approved by Sam', 'Why a person overrides the payments'),
];

/** A person's decision; payment events do not change it until it is removed (Unpin). */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const decision = await ledger.purchases.pin({
		launch,
		contactId: requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}'),
		productId: requiredText(this, 'productId', itemIndex, '"course-101"'),
		pin: (textParameter(this, 'pin', itemIndex) || 'grant') as AccessPin,
		reason: requiredText(this, 'reason', itemIndex, '"Scholarship approved by Sam"'),
		by: requiredText(this, 'by', itemIndex, '"sam@example.com"'),
	});
	return [routeDecision(launch, decision)];
}
