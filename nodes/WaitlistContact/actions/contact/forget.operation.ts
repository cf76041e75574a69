import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	{
		displayName:
			'Forget erases this person\'s personal data from the ledger for good (profile, identifiers, tags, history details). Only a one-way fingerprint stays, so old replayed data cannot bring them back.',
		name: 'forgetNotice',
		type: 'notice',
		default: '',
	},
	contactIdProperty({ description: 'The contact to erase, e.g. {{ $json.contactId }}. Contacts merged into it are erased too.' }),
];

export const description = updateDisplayOptions({ show: { operation: ['forget'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const result = await ledger.contacts.forget({ launch, contactId, source: sourceOf(this) });
	return [
		done({
			contactId,
			created: false,
			launch,
			forgotten: true,
			forgottenContactIds: result.contactIds,
			identifiersForgotten: result.identifiersForgotten,
		}),
	];
}
