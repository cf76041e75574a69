import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf, requiredText, sourceOf, textParameter } from '../../../shared/parameters';
import { reviewDeskUrlOf } from '../../../shared/reviewLink';
import { refundWindowMs, refundWindowProperty, routeDecision, type Routed } from '../common';
import { withReviewLinks } from './reviewAlert';

export const description: INodeProperties[] = [
	{
		displayName: 'Purchase Comes From',
		name: 'purchaseInput',
		type: 'options',
		default: 'inbox',
		options: [
			{
				name: 'Purchase Webhook Trigger',
				value: 'inbox',
				description: 'The verified delivery the trigger stored in the ledger\'s inbox (recommended: a repeated delivery is handled once)',
			},
			{ name: 'Purchase Event (JSON)', value: 'event', description: 'A purchase event already in the pack\'s shape, e.g. from your own checkout' },
		],
		displayOptions: { show: { operation: ['match'] } },
	},
	{
		displayName: 'Inbox Entry ID',
		name: 'inboxId',
		type: 'string',
		default: '={{ $json.inboxId }}',
		required: true,
		description: 'The inbox entry the Purchase Webhook Trigger stored: its inboxId field',
		displayOptions: { show: { operation: ['match'], purchaseInput: ['inbox'] } },
	},
	{
		displayName: 'Purchase Event',
		name: 'event',
		type: 'json',
		default: '={{ $json }}',
		required: true,
		description:
			'The event as JSON (the Purchase Webhook Trigger\'s item has this shape): {"provider": "stripe", "eventId": "evt_1", "type": "captured", "orderId": "pi_1", "productId": "course-101", "amount": 5900, "currency": "USD", "email": "ada@example.com", "checkoutToken": "wlt_…"}',
		displayOptions: { show: { operation: ['match'], purchaseInput: ['event'] } },
	},
	refundWindowProperty(['match', 'replay', 'replayUnprocessed']),
];

/** The Purchase Event parameter: JSON text is parsed; anything else is handed to the ledger, which names what is wrong. */
function eventParameter(ctx: IExecuteFunctions, itemIndex: number): unknown {
	const raw = ctx.getNodeParameter('event', itemIndex, '') as unknown;
	if (typeof raw !== 'string') return raw;
	let parsed: unknown = raw;
	try {
		parsed = JSON.parse(raw) as unknown;
	} catch {
		// Left as text: the ledger reports it as not an object.
	}
	return parsed;
}

/** Match the payment to a contact and let the ledger decide access; the decision picks the output. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const revokeAfterMs = refundWindowMs(this, itemIndex);
	const deskUrl = reviewDeskUrlOf(this, itemIndex);
	if (textParameter(this, 'purchaseInput', itemIndex) === 'event') {
		const decided = await ledger.purchases.applyEvent(launchOf(this, itemIndex), eventParameter(this, itemIndex), { revokeAfterMs, source: sourceOf(this) });
		return withReviewLinks(ledger, deskUrl, [routeDecision(decided.launch, decided, { provider: decided.provider, eventId: decided.eventId, eventType: decided.eventType })]);
	}
	const inboxId = requiredText(this, 'inboxId', itemIndex, '{{ $json.inboxId }} from the Purchase Webhook Trigger');
	const decided = await ledger.purchases.process(inboxId, { revokeAfterMs });
	return withReviewLinks(ledger, deskUrl, [routeDecision(decided.launch, decided, { inboxId, provider: decided.provider, eventId: decided.eventId, eventType: decided.eventType })]);
}
