import { emailSkeleton } from '../lookalike';
import type { NormalizedIdentifier } from '../normalize';
import { openReviewItem, type ReviewItem } from '../review/review';
import { contactPairSubject } from '../review/subjects';
import type { SqlExecutor } from '../store';

/** Whether an identifier is a mixed-script email that imitates another address (see ledger/lookalike.ts). */
export function hasLookalikeSkeleton(id: NormalizedIdentifier): boolean {
	return id.kind === 'email' && emailSkeleton(id.value) !== null;
}

/**
 * For each email just linked to `contactId` whose skeleton is held by another contact, opens one
 * "possible_duplicate" review item: the contact stays as created (it is a different mailbox, and
 * may be a real person), and a person decides whether to merge it.
 */
export async function flagLookalikes(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; linked: NormalizedIdentifier[]; source?: string },
): Promise<ReviewItem[]> {
	const opened: ReviewItem[] = [];
	for (const id of input.linked) {
		const skeleton = id.kind === 'email' ? emailSkeleton(id.value) : null;
		if (!skeleton) continue;
		const [owner] = await tx.query<{ contact_id: string }>("SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = 'email' AND value = $2", [
			input.launch,
			skeleton,
		]);
		if (!owner || owner.contact_id === input.contactId) continue;
		opened.push(
			await openReviewItem(tx, {
				launch: input.launch,
				kind: 'possible_duplicate',
				reason: 'lookalike_address',
				contactId: input.contactId,
				otherContactId: owner.contact_id,
				payload: { kind: 'email', value: id.value, display: id.display, skeleton },
				// The same cause as "these two may be one person": a merge of the two closes it.
				subject: contactPairSubject(input.contactId, owner.contact_id),
				source: input.source,
			}),
		);
	}
	return opened;
}
