import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, numberParameter, requiredText } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';
import { referralLinkBaseProperty, referralLinkOf } from './place.operation';

const properties: INodeProperties[] = [
	contactIdProperty(),
	referralLinkBaseProperty,
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['referrals'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const standing = await ledger.referrals.standing({ launch, contactId });
	const referrals = await ledger.referrals.referralsBy({ launch, contactId: standing.contactId, limit: numberParameter(this, 'limit', itemIndex, 50) });
	return [
		done({
			contactId: standing.contactId,
			referralCode: standing.code,
			referralLink: referralLinkOf(this, itemIndex, standing.code),
			referralCount: standing.referrals.counted,
			referralsPending: standing.referrals.pending,
			// Each person referred: counted (credited), waiting (withheld, with why) or not counted (a self-referral).
			referrals: referrals.map((r) => ({ contactId: r.referredId, status: r.status, reason: r.reason, at: new Date(r.at).toISOString() })),
		}),
	];
}
