import { requiredText, sourceOf } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { actionJson, reviewIdOf, type ReviewOperation } from '../common';

/** Close the item without changing anything else; who and why are kept on it and in the contacts' history. */
export const execute: ReviewOperation = async function (ledger, itemIndex) {
	const result = await ledger.review.dismiss({
		reviewId: reviewIdOf(this, itemIndex),
		by: requiredText(this, 'by', itemIndex, '"sam@example.com"'),
		reason: requiredText(this, 'reason', itemIndex, '"refunded at Stripe already"'),
		source: sourceOf(this),
	});
	return [done(actionJson('dismiss', result))];
};
