import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { referralLinkFor, type Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, textParameter } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

/** The landing page a referral link points to; Get Place and Get Referrals both offer it. */
export const referralLinkBaseProperty: INodeProperties = {
	displayName: 'Landing Page for Referral Links',
	name: 'referralLinkBase',
	type: 'string',
	default: '',
	placeholder: 'e.g. https://example.com/waitlist',
	description: 'Your waitlist page. The output then has the person\'s referral link: this address with ?ref=THEIR-CODE. Leave empty for the code alone.',
};

const properties: INodeProperties[] = [contactIdProperty(), referralLinkBaseProperty];

export const description = updateDisplayOptions({ show: { operation: ['place'] } }, properties);

export function referralLinkOf(ctx: IExecuteFunctions, itemIndex: number, code: string): string | null {
	const base = textParameter(ctx, 'referralLinkBase', itemIndex);
	return base ? referralLinkFor(base, code) : null;
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const standing = await ledger.referrals.standing({ launch, contactId });
	return [
		done({
			contactId: standing.contactId,
			placeInLine: standing.place,
			peopleInLine: standing.of,
			referralCode: standing.code,
			referralLink: referralLinkOf(this, itemIndex, standing.code),
			referralCount: standing.referrals.counted,
			referralsPending: standing.referrals.pending,
			referredBy: standing.referredBy ? ({ ...standing.referredBy } as unknown as IDataObject) : null,
			...(standing.codes.length > 1 ? { otherReferralCodes: standing.codes.filter((c) => c !== standing.code) } : {}),
		}),
	];
}
