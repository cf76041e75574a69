/** The operations of Waitlist Review, one file each under actions/reviewItem/. */
export interface WaitlistReviewOperations {
	reviewItem: 'list' | 'get' | 'resolve' | 'dismiss';
}
