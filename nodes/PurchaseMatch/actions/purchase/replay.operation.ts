import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { requiredText } from '../../../shared/parameters';
import { reviewDeskUrlOf } from '../../../shared/reviewLink';
import { refundWindowMs, routeDecision, type Routed } from '../common';
import { withReviewLinks } from './reviewAlert';

export const description: INodeProperties[] = [
	{
		displayName: 'Inbox Entry ID',
		name: 'inboxId',
		type: 'string',
		default: '={{ $json.inboxId }}',
		required: true,
		description: 'The inbox entry of a purchase that went to Review, after you fixed the cause (linked the buyer\'s email, defined the product)',
		displayOptions: { show: { operation: ['replay'] } },
	},
];

/** Applies a reviewed delivery again; purchase facts only move forward, so this never grants twice. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const inboxId = requiredText(this, 'inboxId', itemIndex, '{{ $json.inboxId }} from the Review output');
	const revokeAfterMs = refundWindowMs(this, itemIndex);
	const deskUrl = reviewDeskUrlOf(this, itemIndex);
	const decided = await ledger.purchases.replay(inboxId, { revokeAfterMs });
	return withReviewLinks(ledger, deskUrl, [routeDecision(decided.launch, decided, { inboxId, provider: decided.provider, eventId: decided.eventId })]);
}
