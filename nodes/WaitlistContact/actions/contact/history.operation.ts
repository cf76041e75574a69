import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type LedgerEvent, type Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, textParameter } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';
import { contactInLaunch } from './get.operation';

const properties: INodeProperties[] = [
	contactIdProperty(),
	{
		displayName: 'Output',
		name: 'historyOutput',
		type: 'options',
		default: 'oneItem',
		options: [
			{ name: 'One Item With All Events', value: 'oneItem', description: 'An events list on one item per contact, newest first unless Order says otherwise' },
			{ name: 'One Item per Event', value: 'perEvent', description: 'Handy for writing the history to a sheet' },
		],
	},
	{
		displayName: 'Options',
		name: 'historyOptions',
		type: 'collection',
		default: {},
		placeholder: 'Add Option',
		options: [
			{
				displayName: 'Event Types',
				name: 'eventTypes',
				type: 'string',
				default: '',
				placeholder: 'e.g. contact.updated, tag.*',
				description: 'Comma-separated; only these events. End with .* for a family, e.g. tag.* for every tag change.',
			},
			{
				displayName: 'Limit',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: 'Max number of results to return',
				hint: 'Counted in the chosen order: with Newest First, the most recent events',
			},
			{
				displayName: 'Order',
				name: 'order',
				type: 'options',
				default: 'newest',
				options: [
					{ name: 'Newest First', value: 'newest', description: 'The most recent events first; with a limit of 50, the latest 50' },
					{ name: 'Oldest First', value: 'oldest', description: 'In the order they happened; with a limit of 50, the first 50' },
				],
				description: 'Which events come first, and so which ones a limit keeps',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['history'] } }, properties);

function eventJson(event: LedgerEvent): IDataObject {
	return { eventId: event.id, type: event.type, at: new Date(event.createdAt).toISOString(), source: event.source, data: event.data as IDataObject };
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const options = this.getNodeParameter('historyOptions', itemIndex, {}) as { eventTypes?: string; limit?: number; order?: 'newest' | 'oldest' };
	const types = String(options.eventTypes ?? '')
		.split(',')
		.map((t) => t.trim())
		.filter((t) => t !== '');
	if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
		throw new LedgerInputError('limit', `must be a whole number of at least 1; got ${JSON.stringify(options.limit)}`);
	}
	await contactInLaunch(ledger, launch, contactId);
	// Newest first unless asked otherwise: a limit should keep the latest events, which is what people look for.
	const events = await ledger.contacts.history(contactId, { types: types.length ? types : undefined, limit: options.limit, order: options.order ?? 'newest' });
	if (textParameter(this, 'historyOutput', itemIndex) === 'perEvent') return events.map((e) => done({ contactId, launch, ...eventJson(e) }));
	return [done({ contactId, launch, count: events.length, events: events.map(eventJson) })];
}
