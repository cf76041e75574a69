import { describeDecision, LedgerInputError, type PurchaseDecision } from '../../../ledger';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { REVIEW_DESK_LABELS } from '../../shared/reviewLink';
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
	...REVIEW_DESK_LABELS,
};

/** The outputs of an operation, as OUTPUTS_EXPRESSION draws them; error items leave on the first. */
export function outputsOf(operation: string): NodeOutputs<PurchaseOutput> {
	return DECISION_OPERATIONS.includes(operation)
		? { keys: DECISION_KEYS, errorOutput: 'grant', labels: FIELD_LABELS }
		: { keys: ['done'], errorOutput: 'done', labels: FIELD_LABELS };
}

/** A decision as an output item: what was decided, why in words, and the ids to act on. */
export function decisionJson(launch: string, decision: PurchaseDecision, extra: IDataObject = {}): IDataObject {
	return {
		decision: decision.decision,
		reason: decision.reason,
		// The ledger's words, from the decision, its reason and the access state together (never the reason alone).
		message: describeDecision(decision),
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
