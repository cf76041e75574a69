import type { INodeProperties } from 'n8n-workflow';

import * as add from './add.operation';
import * as alias from './alias.operation';
import * as exportRegistry from './export.operation';
import * as importRegistry from './import.operation';
import * as list from './list.operation';

export { add, alias, exportRegistry, importRegistry, list };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['registry'] } },
		default: 'list',
		options: [
			{ name: 'Add Alias', value: 'alias', description: 'Make another name count as an existing tag', action: 'Add an alias to a tag' },
			{ name: 'Add Tag', value: 'add', description: 'Register a tag (with optional aliases)', action: 'Add a tag to the registry' },
			{ name: 'Export', value: 'export', description: 'Get the registry as JSON', action: 'Export the tag registry' },
			{ name: 'Import', value: 'import', description: 'Add tags and aliases from JSON', action: 'Import a tag registry' },
			{ name: 'List', value: 'list', description: 'List the registered tags', action: 'List registered tags' },
		],
	},
	...add.description,
	...alias.description,
	...importRegistry.description,
	...exportRegistry.description,
	...list.description,
];
