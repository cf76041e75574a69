import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/parameters';
import * as registry from './registry/Registry.resource';
import * as tag from './tag/Tag.resource';

/**
 * The parameters of version 1, gathered from the operation files. The node-level fields (name, icon,
 * outputs, credentials) stay in WaitlistTags.node.ts, where n8n's lint reads them.
 */
export const versionProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		default: 'tag',
		options: [
			{ name: 'Contact Tag', value: 'tag', description: 'Tags on a contact' },
			{ name: 'Registry', value: 'registry', description: 'The launch\'s list of known tags and their aliases' },
		],
	},
	...tag.description,
	...registry.description,
	launchProperty,
];
