import { LedgerInputError, type PurchaseDecision } from '../../../ledger';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { FieldLabels, ItemOperation, NodeOutputs, Routed as RoutedTo } from '../../shared/runner';

/** The four outputs of the decision operations, in order: keys (the ledger's decisions) and names. */
const DECISION_KEYS = ['grant', 'revoke', 'no_change', 'review'] as const;
export const OUTPUT_NAMES = ['Grant', 'Revoke', 'No Change', 'Review'] as const;

/** Operations whose items leave on Grant / Revoke / No Change / Review; every other one has one "Done" output. */
export const DECISION_OPERATIONS = ['match', 'replay', 'replayUnprocessed', 'dueRevocations', 'pin', 'unpin'];

/**
 * n8n evaluates this for each node to draw its outputs: four for the decision operations, one for
 * the rest. Written as an expression because the outputs depend on the chosen operation.
 */
export const OUTPUTS_EXPRESSION: `={{${string}}}` = `={{ ${JSON.stringify(DECISION_OPERATIONS)}.includes($parameter.operation) ? ${JSON.stringify(
	OUTPUT_NAMES.map((displayName) => ({ type: 'main', displayName })),
)} : [{ "type": "main", "displayName": "Done" }] }}`;

export type PurchaseOutput = (typeof DECISION_KEYS)[number] | 'done';

export type Routed = RoutedTo<PurchaseOutput>;

/** What every operation file exports as `execute`: one input item in, any number of routed items out. */
export type PurchaseOperation = ItemOperation<PurchaseOutput>;

/** Ledger field names → the parameter the user sees. */
export const FIELD_LABELS: FieldLabels = {
	launch: 'Launch',
	contactId: 'Contact ID',
	email: 'Email',
	productId: 'Product ID',
	name: 'Product Name',
	amount: 'Price (Cents)',
	currency: 'Currency',
	aliases: 'Provider Product IDs',
	provider: 'Provider',
	inboxId: 'Inbox Entry ID',
	event: 'Purchase Event',
	body: 'Purchase Event',
	refundWindowSeconds: 'Refund Window (Seconds)',
	pin: 'Pin',
	reason: 'Reason',
	by: 'By',
	batchSize: 'Batch Size',
	olderThanMinutes: 'Unprocessed For (Minutes)',
	checkoutLimit: 'Checkout links',
};

/** The outputs of an operation, as OUTPUTS_EXPRESSION draws them; error items leave on the first. */
export function outputsOf(operation: string): NodeOutputs<PurchaseOutput> {
	return DECISION_OPERATIONS.includes(operation)
		? { keys: DECISION_KEYS, errorOutput: 'grant', labels: FIELD_LABELS }
		: { keys: ['done'], errorOutput: 'done', labels: FIELD_LABELS };
}

/** Why a purchase went to review (or changed nothing), in words, with what to do next. */
const REASON_MESSAGES: Record<string, string> = {
	no_contact_match:
		'No contact has this checkout token, customer ID or email. Find the buyer (Waitlist Contact → Find), link the email they paid with (Waitlist Contact → Link Identifier), then run Purchase → Replay After Review with the inbox entry ID.',
	unknown_product:
		'The payment names a product the ledger does not know. Add it with Product → Define (with the provider\'s product ID), then run Purchase → Replay After Review.',
	amount_mismatch: 'The amount paid is not the product\'s price. Check the checkout (a coupon? a wrong price?) and grant by hand with Access → Pin if it is right.',
	currency_mismatch: 'The currency paid is not the product\'s currency. Check the checkout and grant by hand with Access → Pin if it is right.',
	missing_order_id: 'The payment carries no order or payment ID, so its refunds could never be matched. Look at the inbox entry and decide by hand.',
	captured: 'Paid: access granted.',
	refunded: 'Refunded: access is revoked once the refund window is over (Apply Due Revocations on a schedule does it).',
	refund_window_over: 'The refund window is over: access revoked.',
	dispute_opened: 'A chargeback was opened: access revoked at once.',
	dispute_lost: 'The chargeback was lost: access stays revoked.',
	dispute_won: 'The chargeback was won: access restored.',
	pinned: 'A person pinned this access; payment events do not change it until the pin is removed (Access → Unpin).',
	already_processed: 'This webhook delivery was already handled; nothing was done again.',
	authorized: 'Not paid yet (an intent or an unpaid session): access is granted only when the money is captured.',
	partial_payment: 'Only part of the price was paid: no access yet.',
	awaiting_purchase: 'This event arrived before its purchase; it is kept and settles when the purchase arrives.',
	unknown_event_type: 'An event type that never changes access; recorded and ignored.',
	needs_confirmation: 'The sale must be confirmed with the provider before access is granted.',
	not_pinned: 'This access was not pinned; nothing changed.',
	unpinned: 'The pin was removed; access now follows the payment events again.',
};

/** A decision as an output item: what was decided, why in words, and the ids to act on. */
export function decisionJson(launch: string, decision: PurchaseDecision, extra: IDataObject = {}): IDataObject {
	const reasonKey = decision.reason.startsWith('pin:') ? 'pinned' : decision.reason;
	return {
		decision: decision.decision,
		reason: decision.reason,
		message: REASON_MESSAGES[reasonKey] ?? decision.reason,
		launch,
		contactId: decision.contactId,
		productId: decision.productId,
		accessState: decision.accessState,
		revokeAfter: decision.revokeAfter === null ? null : new Date(decision.revokeAfter).toISOString(),
		matchedBy: decision.matchedBy,
		linked: decision.linked,
		purchaseId: decision.purchaseId,
		outboxId: decision.outboxId,
		reviewId: decision.reviewId,
		duplicate: decision.duplicate,
		...extra,
	};
}

export function routeDecision(launch: string, decision: PurchaseDecision, extra: IDataObject = {}): Routed {
	return { output: decision.decision, json: decisionJson(launch, decision, extra) };
}

export function productIdProperty(operations: string[], description = 'Your name for the product, as defined with Product → Define'): INodeProperties {
	return {
		displayName: 'Product ID',
		name: 'productId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. course-101',
		description,
		displayOptions: { show: { operation: operations } },
	};
}

export function refundWindowProperty(operations: string[]): INodeProperties {
	return {
		displayName: 'Refund Window (Seconds)',
		name: 'refundWindowSeconds',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 0 },
		description:
			'How long a fully refunded buyer keeps access before it is revoked, e.g. 86400 for one day; 0 revokes at once. Fixed at the refund. Chargebacks always revoke at once. Run Purchase → Apply Due Revocations on a schedule to carry it out.',
		displayOptions: { show: { operation: operations } },
	};
}

export function refundWindowMs(ctx: IExecuteFunctions, itemIndex: number): number {
	const value = ctx.getNodeParameter('refundWindowSeconds', itemIndex, 0) as unknown;
	const seconds = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(seconds) || seconds < 0) throw new LedgerInputError('refundWindowSeconds', `must be 0 or more seconds, e.g. 86400 for one day; got ${JSON.stringify(value)}`);
	return Math.round(seconds * 1000);
}
