import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	contactIdProperty(),
	{
		displayName: 'Confirmed By',
		name: 'confirmedBy',
		type: 'string',
		default: 'esp',
		required: true,
		placeholder: 'e.g. kit',
		description:
			"Who says the person confirmed, recorded in the contact's history: e.g. kit when Kit's \"subscriber activated\" webhook started this workflow, or your name when you confirm by hand",
	},
];

export const description = updateDisplayOptions({ show: { operation: ['confirmOptIn'] } }, properties);

/**
 * Double opt-in confirmed elsewhere (the ESP's own confirmation email, or a person): the ledger
 * releases the contact's waiting syncs and referral credit, once however often it is told.
 */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const by = requiredText(this, 'confirmedBy', itemIndex, 'kit');
	const result = await ledger.optin.confirm({ launch, contactId, by });
	return [
		done({
			contactId: result.contactId,
			// confirmed: now; already_confirmed: earlier (nothing changed); not_required: they never had to confirm.
			optin: result.outcome,
			releasedSync: result.outcome === 'confirmed' ? result.releasedSync : [],
			referralReleased: result.outcome === 'confirmed' ? result.referralReleased : false,
		}),
	];
}
