import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { done, review, type Routed } from '../../../shared/runner';
import { identifierKindOf, identifierProperties } from '../common.descriptions';
import { linkedReviewItemJson } from '../../../shared/review';
import { reviewDeskUrlOf, reviewOptionsProperty } from '../../../shared/reviewLink';

const properties: INodeProperties[] = [
	contactIdProperty({ description: 'The contact that gets the extra identifier, e.g. {{ $json.contactId }}' }),
	...identifierProperties,
	reviewOptionsProperty({ show: { operation: ['link'] } }),
];

export const description = updateDisplayOptions({ show: { operation: ['link'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const kind = identifierKindOf(this, itemIndex);
	const value = requiredText(this, 'identifierValue', itemIndex, '"ada@example.com"');
	const deskUrl = reviewDeskUrlOf(this, itemIndex);
	const result = await ledger.contacts.link({ launch, contactId, kind, value, source: sourceOf(this) });
	if (result.status === 'conflict' && result.review) return [review(linkedReviewItemJson(result.review, deskUrl))];
	return [
		done({
			contactId,
			launch,
			created: false,
			linked: result.status === 'linked',
			status: result.status,
			identifier: { kind: result.identifier.kind, value: result.identifier.display },
		}),
	];
}
