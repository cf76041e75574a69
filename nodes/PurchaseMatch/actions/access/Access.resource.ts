import type { INodeProperties } from 'n8n-workflow';

import { byProperty, contactIdProperty } from '../../../shared/parameters';
import { productIdProperty, refundWindowProperty } from '../common';
import * as get from './get.operation';
import * as pin from './pin.operation';
import * as unpin from './unpin.operation';

export { get, pin, unpin };

const ACCESS_OPERATIONS = ['pin', 'unpin', 'getAccess'];

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['access'] } },
		default: 'pin',
		options: [
			{ name: 'Get', value: 'getAccess', description: 'Where a person\'s access to a product stands', action: 'Get access' },
			{ name: 'Pin', value: 'pin', description: 'Grant or revoke by hand, with a reason; payments do not change it until unpinned', action: 'Pin access' },
			{ name: 'Unpin', value: 'unpin', description: 'Remove a pin: access follows the payments again', action: 'Unpin access' },
		],
	},
	contactIdProperty({ displayOptions: { show: { operation: ACCESS_OPERATIONS } } }),
	productIdProperty(ACCESS_OPERATIONS),
	...pin.description,
	...unpin.description,
	byProperty(['pin', 'unpin'], "the contact's history", 'e.g. sam@example.com'),
	refundWindowProperty(['unpin']),
];
