import type { INodeProperties } from 'n8n-workflow';

import * as define from './define.operation';

export { define };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['product'] } },
		default: 'defineProduct',
		options: [
			{
				name: 'Define',
				value: 'defineProduct',
				description: 'Add or change a product: its price, currency and the IDs your checkout uses for it',
				action: 'Define a product',
			},
		],
	},
	...define.description,
];
