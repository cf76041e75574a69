import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf, textParameter } from '../../../shared/parameters';
import type { Routed } from '../common';

const show = { show: { operation: ['createToken'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Identify Contact By',
		name: 'identifyBy',
		type: 'options',
		default: 'email',
		options: [
			{ name: 'Email', value: 'email', description: 'The email the person typed before checkout' },
			{ name: 'Contact ID', value: 'contactId', description: 'The ledger ID from an earlier Waitlist node' },
		],
		displayOptions: show,
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.body.email }}',
		description: 'The buyer\'s email, e.g. ada@example.com',
		displayOptions: { show: { operation: ['createToken'], identifyBy: ['email'] } },
	},
	{
		displayName: 'Add Contact If Missing',
		name: 'createContact',
		type: 'boolean',
		default: true,
		description: 'Whether someone who is not on the waitlist yet is added as a contact (so their purchase can be matched); off: an unknown email is an error',
		displayOptions: { show: { operation: ['createToken'], identifyBy: ['email'] } },
	},
	contactIdProperty({ displayOptions: { show: { operation: ['createToken'], identifyBy: ['contactId'] } } }),
];

/** A new opaque token bound to the contact, and the fields each checkout provider carries back in its webhook. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const source = sourceOf(this);
	let contactId: string;
	let created = false;
	if (textParameter(this, 'identifyBy', itemIndex) === 'contactId') {
		const given = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
		// A contact merged since that id was read: the token belongs to the one it now lives on in.
		const contact = await ledger.contacts.current(given);
		if (!contact || contact.launch !== launch) throw new LedgerInputError('contactId', `no contact "${given}" in launch "${launch}"; use the contactId of an earlier Waitlist node`);
		contactId = contact.id;
	} else {
		const email = requiredText(this, 'email', itemIndex, '"ada@example.com" or {{ $json.body.email }}');
		const found = await ledger.contacts.find({ launch, kind: 'email', value: email });
		if (found) contactId = (await ledger.contacts.current(found.id))?.id ?? found.id;
		else if (this.getNodeParameter('createContact', itemIndex, true) === true) {
			const upserted = await ledger.contacts.upsert({ launch, email, source });
			contactId = upserted.contactId;
			created = upserted.created;
		} else throw new LedgerInputError('email', `no contact with email "${email}" in launch "${launch}"; turn on "Add Contact If Missing" or add them with Waitlist Contact first`);
	}
	const token = await ledger.purchases.createCheckoutToken({ launch, contactId, source });
	return [
		{
			output: 'done',
			json: {
				token: token.token,
				contactId: token.contactId,
				contactCreated: created,
				launch,
				stripe: token.stripe,
				lemonSqueezy: token.lemonSqueezy,
				paddle: token.paddle,
				shopify: token.shopify,
				gumroad: token.gumroad,
			},
		},
	];
}
