import type { INodeProperties } from 'n8n-workflow';

import { pageAuthenticationProperty } from '../shared/page';
import { webhookPathProperty } from '../shared/webhookPaths';

export const NODE_DISPLAY_NAME = 'Launch Monitor Dashboard Trigger';

export const dashboardProperties: INodeProperties[] = [
	{
		displayName:
			'Open the Production URL in a browser for the dashboard. The same address followed by /signals.json, /metrics (Prometheus) or /contacts.csv gives the numbers, the metrics and a contacts export. "Check the alerts now" on the dashboard starts this workflow from here.',
		name: 'dashboardNotice',
		type: 'notice',
		default: '',
	},
	pageAuthenticationProperty(NODE_DISPLAY_NAME),
	webhookPathProperty('launch-monitor', 'The end of the dashboard\'s URL, e.g. "launch-monitor" gives https://your-n8n/webhook/launch-monitor'),
	{
		displayName: 'Launch',
		name: 'launch',
		type: 'string',
		default: 'default',
		description: 'Which launch the dashboard shows, e.g. "spring-course-2027". Leave "default" if you run only one.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Checklist Report URL',
				name: 'checklistReportUrl',
				type: 'string',
				default: '/webhook/pre-launch-checklist-report',
				description: 'Where the dashboard\'s pre-launch checklist link goes: the pre-launch checklist template\'s report page, on this n8n by default',
			},
			{
				displayName: 'CSV Includes Test Contacts',
				name: 'includeTest',
				type: 'boolean',
				default: false,
				description: 'Whether the contacts CSV also lists the contacts of dry runs (test signups)',
			},
			{
				displayName: 'CSV Profile Fields',
				name: 'exportFields',
				type: 'string',
				default: 'first_name, last_name, name, company, country',
				description: 'Profile fields the contacts CSV adds as columns after the fixed ones (email, UTMs, tags …), comma-separated',
			},
			{
				displayName: 'Kill Switch Page URL',
				name: 'killSwitchUrl',
				type: 'string',
				default: '/webhook/waitlist-kill-switch',
				description: 'Where the dashboard\'s kill-switch link goes: the kill-switch template\'s page, on this n8n by default',
			},
			{
				displayName: 'Refresh Every (Seconds)',
				name: 'refreshSeconds',
				type: 'number',
				typeOptions: { minValue: 10, maxValue: 3600 },
				default: 60,
				description: 'How often an open dashboard reloads itself',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: 'Launch monitor',
				description: 'The heading of the dashboard page',
			},
		],
	},
];
