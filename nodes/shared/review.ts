import type { IDataObject } from 'n8n-workflow';

import type { ReviewItem } from '../../ledger';
import { reviewUrlOf, withReviewAlert } from './reviewLink';

const REASONS: Record<string, string> = {
	identifier_owned_by_other_contact: 'already belongs to another contact; merge the two contacts if they are the same person',
	identifier_limit_reached: 'would give this contact more identifiers of that type than the launch allows',
};

/** A review item as it leaves on the Review output: what happened, in words, plus the ids to act on. */
export function reviewItemJson(item: ReviewItem): IDataObject {
	const kind = typeof item.payload.kind === 'string' ? item.payload.kind : 'identifier';
	const value = typeof item.payload.display === 'string' ? item.payload.display : String(item.payload.value ?? '');
	return {
		review: item.kind,
		reason: item.reason,
		reviewId: item.id,
		launch: item.launch,
		contactId: item.contactId,
		otherContactId: item.otherContactId,
		identifier: { kind, value },
		message: `The ${kind} "${value}" was not linked: it ${REASONS[item.reason] ?? item.reason}.`,
	};
}

/** What the desk asks of a person for an identifier item, as the alert channel says it. */
const TODO: Record<string, string> = {
	identifier_owned_by_other_contact: 'If both contacts are the same person, merge them on the review desk; if not, keep them apart.',
	identifier_limit_reached: 'Decide on the review desk whether this identifier belongs to the contact (raise the limit in the launch settings) or dismiss it.',
};

/** A review item on the Review output with its link to the desk (`reviewUrl`) and the alert `text`. */
export function linkedReviewItemJson(item: ReviewItem, deskUrl: string): IDataObject {
	const json = reviewItemJson(item);
	const identifier = json.identifier as { kind: string; value: string };
	return withReviewAlert(json, {
		headline:
			item.reason === 'identifier_owned_by_other_contact'
				? `two contacts may be the same person (the ${identifier.kind} "${identifier.value}" was not linked)`
				: `the ${identifier.kind} "${identifier.value}" was not linked to a contact`,
		who: `contact ${item.contactId ?? '?'}${item.otherContactId ? ` and contact ${item.otherContactId}` : ''}`,
		rule: `${item.reason} (it ${REASONS[item.reason] ?? item.reason})`,
		todo: TODO[item.reason] ?? 'Settle it on the review desk, or dismiss it with a reason.',
		reviewUrl: reviewUrlOf(deskUrl, item.id),
	});
}

/** An unknown tag under the "quarantine" policy, as it leaves on the Review output. */
export function unknownTagReview(input: { launch: string; contactId: string | null; tag: string; input?: string }): IDataObject {
	return {
		review: 'tag_quarantined',
		launch: input.launch,
		contactId: input.contactId,
		tag: input.tag,
		...(input.input !== undefined ? { input: input.input } : {}),
		message:
			`Tag "${input.input ?? input.tag}" is not in the registry of launch "${input.launch}"; ` +
			(input.contactId ? 'it was kept for review, not applied' : 'it would be kept for review, not applied') +
			'. Add it with Registry → Add Tag, or make it an alias of an existing tag with Registry → Add Alias.',
	};
}
