import type { INodeProperties } from 'n8n-workflow';

import * as apply from './apply.operation';
import * as normalize from './normalize.operation';
import * as remove from './remove.operation';

export { apply, normalize, remove };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['tag'] } },
		default: 'apply',
		options: [
			{ name: 'Add to Contact', value: 'apply', description: 'Add tags to a contact', action: 'Add tags to a contact' },
			{
				name: 'Normalize Only',
				value: 'normalize',
				description: 'Clean up tag names against the registry without changing any contact',
				action: 'Normalize tags',
			},
			{ name: 'Remove From Contact', value: 'remove', description: 'Take tags off a contact', action: 'Remove tags from a contact' },
		],
	},
	...apply.description,
	...remove.description,
	...normalize.description,
];
