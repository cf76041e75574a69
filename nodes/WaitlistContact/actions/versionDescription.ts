import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/execution';
import * as contact from './contact/Contact.resource';

/**
 * The parameters of version 1, gathered from the operation files. The node-level fields (name, icon,
 * outputs, credentials) stay in WaitlistContact.node.ts, where n8n's lint reads them.
 */
export const versionProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'hidden',
		noDataExpression: true,
		options: [{ name: 'Contact', value: 'contact' }],
		default: 'contact',
	},
	...contact.description,
	launchProperty,
];
