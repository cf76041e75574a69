import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../../ledger';
import { forEachItem, launchOf, requiredText, sourceOf, text } from '../common';

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
	const raw = ctx.getNodeParameter('payload', itemIndex, '{}') as unknown;
	let value: unknown = raw;
	if (typeof raw === 'string') {
		if (raw.trim() === '') return {};
		let problem: string | undefined;
		try {
			value = JSON.parse(raw) as unknown;
		} catch (error) {
			problem = (error as Error).message;
		}
		// Thrown outside the catch: it is the user's input, reported as such by the node.
		if (problem !== undefined) throw new LedgerInputError('payload', `is not valid JSON (${problem}); write it like {"productId": "course-101"}`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LedgerInputError('payload', 'must be a JSON object such as {"productId": "course-101"}');
	return value;
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return forEachItem(this, items, async (i) => {
		const result = await ledger.outbox.enqueue({
			launch: launchOf(this, i),
			kind: requiredText(this, 'kind', 'kind', i, 'grant or esp_sync'),
			idempotencyKey: requiredText(this, 'idempotencyKey', 'idempotencyKey', i, 'grant:{{ $json.contactId }}:course-101'),
			contactId: text(this, 'contactId', i) || null,
			payload: payloadOf(this, i),
			maxAttempts: this.getNodeParameter('maxAttempts', i, 8) as number,
			source: sourceOf(this),
		});
		return { ...result };
	});
}
