import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as update from './update.operation';

export { get, update };

export { SETTING_FIELD_LABELS } from './update.operation';

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['launchSetting'] } },
		default: 'get',
		options: [
			{
				name: 'Get',
				value: 'get',
				description: 'Show every setting of the launch, with the default it falls back to',
				action: 'Get the launch settings',
			},
			{
				name: 'Update',
				value: 'update',
				description: 'Change only the settings you add, e.g. quarantine unknown tags instead of rejecting them',
				action: 'Update the launch settings',
			},
		],
	},
	...get.description,
	...update.description,
];
