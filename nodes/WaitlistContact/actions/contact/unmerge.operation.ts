import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { reviewDeskUrlOf, reviewOptionsProperty, reviewUrlOf, withReviewAlert } from '../../../shared/reviewLink';
import { done, review, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	contactIdProperty({
		placeholder: 'e.g. {{ $json.mergedFrom }}',
		description: 'The contact that was merged away (its status is "merged"); it gets back its own identifiers, tags and profile',
	}),
	reviewOptionsProperty({ show: { operation: ['unmerge'] } }),
];

export const description = updateDisplayOptions({ show: { operation: ['unmerge'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.mergedFrom }}');
	const deskUrl = reviewDeskUrlOf(this, itemIndex);
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
	if (result.reviewIds.length === 0) return [done(json)];
	const reviewUrls = result.reviewIds.map((id) => reviewUrlOf(deskUrl, id));
	const alert = withReviewAlert(json, {
		headline: `a merge was undone and access that changed while the two were merged could not be split (${result.reviewIds.length} product${result.reviewIds.length === 1 ? '' : 's'})`,
		who: `contact ${result.contactId} (restored) and the contact it was merged into`,
		rule: 'unmerge (access stays on the kept contact until a person decides)',
		todo: 'On the review desk, give or take access by hand for each product (a pin with a reason).',
		reviewUrl: reviewUrls[0] ?? deskUrl,
	});
	return [review({ ...alert, reviewUrls })];
}
