import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { done, review, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	contactIdProperty({
		placeholder: 'e.g. {{ $json.mergedFrom }}',
		description: 'The contact that was merged away (its status is "merged"); it gets back its own identifiers, tags and profile',
	}),
];

export const description = updateDisplayOptions({ show: { operation: ['unmerge'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.mergedFrom }}');
	const result = await ledger.contacts.unmerge({ launch, contactId, source: sourceOf(this) });
	const json = {
		contactId: result.contactId,
		created: false,
		launch,
		restoredFrom: result.restoredFrom,
		// Values changed on the kept contact after the merge stay there; listed so a person can check them.
		keptOnTarget: result.keptOnTarget,
		// Access that changed while merged stays on the kept contact: one open review item per product.
		reviewIds: result.reviewIds,
	};
	// The contacts are apart either way; the Review output says a person still has to decide about access.
	return [result.reviewIds.length ? review(json) : done(json)];
}
