import type { INodeProperties } from 'n8n-workflow';

import { byProperty, launchProperty, reasonProperty } from '../../../shared/parameters';
import { reviewIdProperty } from '../common';
import * as dismiss from './dismiss.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as resolve from './resolve.operation';

export { dismiss, get, list, resolve };

const HISTORY = 'the review item and the history of each contact it names';

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'list',
		options: [
			{ name: 'Dismiss', value: 'dismiss', description: 'Close an item without changing anything else, with a reason', action: 'Dismiss a review item' },
			{ name: 'Get', value: 'get', description: 'One item with its context, by its ID', action: 'Get a review item' },
			{ name: 'List', value: 'list', description: 'Items of a launch, newest first, with who, what was paid and which rule stopped it', action: 'List review items' },
			{ name: 'Resolve', value: 'resolve', description: 'Settle an item: match a purchase, replay, merge, keep apart, give or take access', action: 'Resolve a review item' },
		],
	},
	{ ...launchProperty, displayOptions: { show: { operation: ['list'] } } },
	...list.description,
	reviewIdProperty(['get', 'resolve', 'dismiss']),
	...resolve.description,
	byProperty(['resolve', 'dismiss'], HISTORY, 'e.g. sam@example.com'),
	reasonProperty(['resolve', 'dismiss'], HISTORY, 'e.g. The buyer wrote from her work address'),
];
