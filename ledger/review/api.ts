import type { Store } from '../store';
import { getReviewItem, listReviewItems, resolveReviewItem, type ReviewItem } from './review';

/** Links the ledger would not make alone. Resolve by merging (contacts.merge with reviewId) or with a note. */
export class ReviewApi {
	constructor(private readonly store: Store) {}

	list(launch: string, filter?: { status?: 'open' | 'resolved'; contactId?: string; limit?: number }): Promise<ReviewItem[]> {
		return listReviewItems(this.store, launch, filter);
	}

	get(id: string): Promise<ReviewItem | null> {
		return getReviewItem(this.store, id);
	}

	resolve(id: string, resolution: string, options: { source?: string } = {}): Promise<ReviewItem> {
		return this.store.transaction((tx) => resolveReviewItem(tx, id, resolution, options));
	}
}
