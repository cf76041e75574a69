import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/parameters';
import * as contact from './contact/Contact.resource';
import * as launchSetting from './launchSetting/LaunchSetting.resource';

/**
 * The parameters of version 1, gathered from the operation files. The node-level fields (name, icon,
 * outputs, credentials) stay in WaitlistContact.node.ts, where n8n's lint reads them.
 */
export const versionProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Contact', value: 'contact', description: 'A person on the waitlist' },
			{
				name: 'Launch Setting',
				value: 'launchSetting',
				description: 'How this launch recognises people, merges their details and handles unknown tags',
			},
		],
		default: 'contact',
	},
	// Contact operations were written before there was a second resource; they show only for it.
	...updateDisplayOptions({ show: { resource: ['contact'] } }, contact.description),
	...launchSetting.description,
	launchProperty,
];
