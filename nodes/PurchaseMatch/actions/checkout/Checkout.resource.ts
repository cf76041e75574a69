import type { INodeProperties } from 'n8n-workflow';

import * as createToken from './createToken.operation';

export { createToken };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['checkout'] } },
		default: 'createToken',
		options: [
			{
				name: 'Create Checkout Token',
				value: 'createToken',
				description: 'Before sending someone to checkout: a token that ties their payment back to them',
				action: 'Create a checkout token',
			},
		],
	},
	...createToken.description,
];
