import { done } from '../../../shared/runner';
import { detailOf, reviewIdOf, reviewJson, type ReviewOperation } from '../common';

/** One item with its context: who, what was paid, which rule stopped it, the inbox entry. */
export const execute: ReviewOperation = async function (ledger, itemIndex) {
	return [done(reviewJson(await detailOf(ledger, reviewIdOf(this, itemIndex))))];
};
