import type { INodeProperties } from 'n8n-workflow';

import * as confirmOptIn from './confirmOptIn.operation';
import * as find from './find.operation';
import * as forget from './forget.operation';
import * as get from './get.operation';
import * as history from './history.operation';
import * as link from './link.operation';
import * as merge from './merge.operation';
import * as place from './place.operation';
import * as referrals from './referrals.operation';
import * as unconfirmed from './unconfirmed.operation';
import * as unmerge from './unmerge.operation';
import * as upsert from './upsert.operation';

export { confirmOptIn, find, forget, get, history, link, merge, place, referrals, unconfirmed, unmerge, upsert };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'upsert',
		options: [
			{
				name: 'Confirm Opt-In',
				value: 'confirmOptIn',
				description: "Mark a person's address as confirmed (double opt-in) when your email platform confirmed it; their waiting syncs and referral count",
				action: 'Confirm the opt in of a contact',
			},
			{
				name: 'Create or Update',
				value: 'upsert',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				action: 'Add or update a contact',
			},
			{ name: 'Find', value: 'find', description: 'Look a contact up by email, phone or any other identifier', action: 'Find a contact' },
			{
				name: 'Forget',
				value: 'forget',
				description: 'Erase a person\'s personal data (a deletion request)',
				action: 'Forget a contact',
			},
			{ name: 'Get', value: 'get', description: 'Get a contact by its ID', action: 'Get a contact' },
			{
				name: 'Get Place in Line',
				value: 'place',
				description: 'Where a person stands in the waitlist, with their referral code and link',
				action: 'Get the place in line of a contact',
			},
			{ name: 'Get Referrals', value: 'referrals', description: 'The people a contact referred and whether each counted', action: 'Get the referrals of a contact' },
			{ name: 'History', value: 'history', description: 'List the changes made to a contact, newest first', action: 'Get the history of a contact' },
			{
				name: 'Link Identifier',
				value: 'link',
				description: 'Add another email, phone or record ID to a contact',
				action: 'Link an identifier to a contact',
			},
			{
				name: 'List Unconfirmed',
				value: 'unconfirmed',
				description: 'People who have not clicked their double opt-in link after a while (nobody is deleted)',
				action: 'List unconfirmed contacts',
			},
			{ name: 'Merge', value: 'merge', description: 'Join two contacts that are the same person; purchases, access and pending outbox work move too', action: 'Merge two contacts' },
			{ name: 'Unmerge', value: 'unmerge', description: 'Undo a merge; access that changed while merged leaves on the Review output', action: 'Unmerge a contact' },
		],
	},
	...upsert.description,
	...get.description,
	...find.description,
	...link.description,
	...merge.description,
	...unmerge.description,
	...forget.description,
	...history.description,
	...place.description,
	...referrals.description,
	...confirmOptIn.description,
	...unconfirmed.description,
];
