/** The operations of Purchase Match, one file each under actions/<resource>/. Values are unique across resources. */
export interface PurchaseMatchOperations {
	checkout: 'createToken';
	purchase: 'match' | 'replay' | 'replayUnprocessed' | 'dueRevocations';
	access: 'pin' | 'unpin' | 'getAccess';
	product: 'defineProduct';
}
