import { describeDecision, LedgerInputError, type ActionResult, type DeskItem, type Ledger, type ReviewItem } from '../../../ledger';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { reviewItemJson } from '../../shared/review';
import { requiredText } from '../../shared/parameters';
import type { FieldLabels, ItemOperation } from '../../shared/runner';

export type ReviewOperation = ItemOperation<'done'>;

/** Ledger field names → the parameter the user sees. */
export const FIELD_LABELS: FieldLabels = {
	launch: 'Launch',
	reviewId: 'Review Item ID',
	contactId: 'Contact ID',
	productId: 'Product ID',
	by: 'By',
	reason: 'Reason',
	limit: 'Limit',
	listLimit: 'Limit',
	cursor: 'Limit',
	resolveWith: 'Action',
	status: 'Status',
};

const EXAMPLE_ID = '{{ $json.reviewId }} from Purchase Match\'s Review output or from List';

/** The item the operation acts on; an expression reading the previous node's output by default. */
export function reviewIdProperty(operations: string[]): INodeProperties {
	return {
		displayName: 'Review Item ID',
		name: 'reviewId',
		type: 'string',
		default: '={{ $json.reviewId }}',
		required: true,
		placeholder: 'e.g. {{ $json.reviewId }}',
		description:
			'Which review item: the reviewId field of Purchase Match\'s Review output, of Waitlist Contact\'s Review output or of this node\'s List. The default reads it from the incoming item; an ID looks like "rv_…".',
		displayOptions: { show: { operation: operations } },
	};
}

export function reviewIdOf(ctx: IExecuteFunctions, itemIndex: number): string {
	return requiredText(ctx, 'reviewId', itemIndex, EXAMPLE_ID);
}

/** The item's detail, or an error that says where a valid id comes from. */
export async function detailOf(ledger: Ledger, reviewId: string): Promise<DeskItem> {
	const item = await ledger.review.detail(reviewId);
	if (!item) {
		throw new LedgerInputError(
			'reviewId',
			`no review item has id "${reviewId}"; use the reviewId of Purchase Match's Review output or of this node's List (it may also have been forgotten with its contact)`,
		);
	}
	return item;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** What the item asks of a person, in words; a resolved item says who settled it and how. */
function messageOf(item: ReviewItem): string {
	if (item.status === 'resolved') return `Resolved by ${item.resolvedBy ?? 'someone'} at ${iso(item.resolvedAt) ?? 'an unknown time'}: ${item.resolution ?? 'no note'}.`;
	if (item.kind === 'link_identifier' || item.kind === 'possible_duplicate') return `${String(reviewItemJson(item).message)} Resolve it with Merge Contacts or Keep Apart.`;
	if (item.kind.startsWith('purchase')) return describeDecision({ decision: 'review', reason: item.reason, accessState: null });
	return `A person must decide (${item.reason}). Resolve it with one of the actions, or dismiss it with a reason.`;
}

/**
 * A review item as one output item (flat ids first, so a Slack message or a sheet row can pick
 * them); List and Get add the context the desk reads (who, what was paid, the inbox entry).
 */
export function reviewJson(item: ReviewItem | DeskItem): IDataObject {
	const context =
		'rule' in item
			? { contact: item.contact as IDataObject | null, otherContact: item.otherContact as IDataObject | null, paid: item.paid as IDataObject | null, inboxId: item.inboxId }
			: {};
	return {
		reviewId: item.id,
		launch: item.launch,
		status: item.status,
		kind: item.kind,
		rule: item.reason,
		message: messageOf(item),
		contactId: item.contactId,
		otherContactId: item.otherContactId,
		...context,
		subject: item.subject,
		createdAt: iso(item.createdAt),
		resolution: item.resolution,
		resolvedBy: item.resolvedBy,
		resolvedAt: iso(item.resolvedAt),
		details: item.payload as IDataObject,
	};
}

/** What an action did: the item as it is now, and what it changed (access, links, the contact that remains). */
export function actionJson(action: string, result: ActionResult): IDataObject {
	const decision = result.decision ?? null;
	return {
		...reviewJson(result.item),
		action,
		...(decision
			? {
					decision: {
						decision: decision.decision,
						reason: decision.reason,
						message: describeDecision(decision),
						contactId: decision.contactId,
						productId: decision.productId,
						accessState: decision.accessState,
						outboxId: decision.outboxId,
					},
				}
			: {}),
		...(result.linked ? { linked: result.linked } : {}),
		...(result.contactId ? { survivingContactId: result.contactId } : {}),
	};
}
