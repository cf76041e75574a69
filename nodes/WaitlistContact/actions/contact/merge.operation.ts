import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf, textParameter } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	contactIdProperty({
		displayName: 'Contact to Keep',
		name: 'targetContactId',
		description: 'The contact that stays. It receives the other contact\'s identifiers, tags and any profile values it lacks.',
	}),
	contactIdProperty({
		displayName: 'Contact to Merge Away',
		name: 'sourceContactId',
		description: 'The duplicate. It is marked as merged (not deleted), so Unmerge can restore it.',
	}),
	{
		displayName: 'Review Item ID',
		name: 'reviewId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.reviewId }}',
		description: 'Optional: the review item this merge settles (from the Review output); it is closed as merged',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['merge'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const targetContactId = requiredText(this, 'targetContactId', itemIndex, '{{ $json.contactId }}');
	const sourceContactId = requiredText(this, 'sourceContactId', itemIndex, '{{ $json.otherContactId }}');
	const reviewId = textParameter(this, 'reviewId', itemIndex) || undefined;
	const result = await ledger.contacts.merge({ launch, targetContactId, sourceContactId, reviewId, source: sourceOf(this) });
	return [
		done({
			contactId: result.contactId,
			created: false,
			launch,
			mergedFrom: sourceContactId,
			changes: result.changes as IDataObject,
			changedFields: Object.keys(result.changes),
			...(reviewId ? { reviewId } : {}),
		}),
	];
}
