import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { done, review, type Routed } from '../../../shared/runner';
import { tagsOf, tagsProperty } from '../common.descriptions';
import { unknownTagReview } from '../../../shared/review';

const properties: INodeProperties[] = [contactIdProperty(), tagsProperty];

export const description = updateDisplayOptions({ show: { resource: ['tag'], operation: ['apply'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const result = await ledger.tags.apply({ launch, contactId, tags: tagsOf(this, itemIndex), source: sourceOf(this) });
	return [
		done({ contactId, created: false, launch, applied: result.applied, unchanged: result.unchanged, quarantined: result.quarantined }),
		...result.quarantined.map((tag) => review(unknownTagReview({ launch, contactId, tag }))),
	];
}
