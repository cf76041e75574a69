import type { INodeProperties } from 'n8n-workflow';

import { pageAuthenticationProperty } from '../shared/page';
import { webhookPathProperty } from '../shared/webhookPaths';

export const NODE_DISPLAY_NAME = 'Kill Switch Page Trigger';

export const killSwitchProperties: INodeProperties[] = [
	{
		displayName:
			'Open the Production URL in a browser: a page to pause or resume access grants and release or discard held entries, each recorded with who and why. Wrong passwords are slowed down per address and counted (the launch monitor alerts on them). Each action also starts this workflow, e.g. to tell the team.',
		name: 'killSwitchNotice',
		type: 'notice',
		default: '',
	},
	pageAuthenticationProperty(NODE_DISPLAY_NAME),
	webhookPathProperty('waitlist-kill-switch', 'The end of the page\'s URL, e.g. "waitlist-kill-switch" gives https://your-n8n/webhook/waitlist-kill-switch'),
	{
		displayName: 'Launch',
		name: 'launch',
		type: 'string',
		default: 'default',
		description: 'Which launch the switch acts on, e.g. "spring-course-2027". Leave "default" if you run only one.',
	},
];
