import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../../../ledger';
import { jsonParameter, launchOf, requiredText, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxItemOperation } from '../common';

const show = { show: { operation: ['enqueue'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'string',
		default: 'esp_sync',
		required: true,
		placeholder: 'grant',
		description: 'What the vendor must do: grant, revoke, esp_sync, crm_sync, tag_sync, delivery_sync, or your own name',
		displayOptions: show,
	},
	{
		displayName: 'Idempotency Key',
		name: 'idempotencyKey',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'grant:{{ $json.contactId }}:course-101',
		description: 'Unique per launch: the same key twice makes one entry. Also send it to the vendor (header or field) where the vendor supports one.',
		displayOptions: show,
	},
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		description: 'The ledger contact this is about (optional)',
		displayOptions: show,
	},
	{
		displayName: 'Payload',
		name: 'payload',
		type: 'json',
		default: '{}',
		description: 'What the vendor step needs, as JSON, e.g. {"productId": "course-101"}',
		displayOptions: show,
	},
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		default: 8,
		typeOptions: { minValue: 1, maxValue: 100 },
		description: 'Failed attempts before the entry goes to the dead letter',
		displayOptions: show,
	},
];

function payloadOf(ctx: IExecuteFunctions, itemIndex: number): object {
	const value = jsonParameter(ctx, 'payload', itemIndex, 'payload', '{"productId": "course-101"}') ?? {};
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LedgerInputError('payload', 'must be a JSON object such as {"productId": "course-101"}');
	return value;
}

/** One entry per item; the same idempotency key again returns the entry that is already there. */
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const result = await ledger.outbox.enqueue({
		launch: launchOf(this, itemIndex),
		kind: requiredText(this, 'kind', itemIndex, 'grant or esp_sync'),
		idempotencyKey: requiredText(this, 'idempotencyKey', itemIndex, 'grant:{{ $json.contactId }}:course-101'),
		contactId: textParameter(this, 'contactId', itemIndex) || null,
		payload: payloadOf(this, itemIndex),
		maxAttempts: this.getNodeParameter('maxAttempts', itemIndex, 8) as number,
		source: sourceOf(this),
	});
	return [done({ ...result })];
};
