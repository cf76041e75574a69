import type { INodeProperties } from 'n8n-workflow';

import { pageAuthenticationProperty } from '../shared/page';
import { webhookPathProperty } from '../shared/webhookPaths';

export const NODE_DISPLAY_NAME = 'Review Desk Page Trigger';

export const reviewDeskProperties: INodeProperties[] = [
	{
		displayName:
			'Open the Production URL in a browser: the review desk lists what the pack would not decide alone (a buyer nobody matched, two contacts that may be one person, a held grant …) with one button per action, plus refused signups, refused payment deliveries and dead letters. Each action is recorded with who and why, and starts this workflow, e.g. to tell the team. Wrong passwords are slowed down and counted.',
		name: 'reviewDeskNotice',
		type: 'notice',
		default: '',
	},
	pageAuthenticationProperty(NODE_DISPLAY_NAME),
	webhookPathProperty('waitlist-review', 'The end of the page\'s URL, e.g. "waitlist-review" gives https://your-n8n/webhook/waitlist-review'),
	{
		displayName: 'Launch',
		name: 'launch',
		type: 'string',
		default: 'default',
		description: 'Which launch the desk shows and acts on, e.g. "spring-course-2027". Leave "default" if you run only one.',
	},
];
