import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type ContactRecord, type Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [contactIdProperty()];

export const description = updateDisplayOptions({ show: { operation: ['get'] } }, properties);

/** A contact as output items show it; `contactId` first so every Waitlist node's output reads alike. */
export function contactJson(contact: ContactRecord): IDataObject {
	const { id, ...rest } = contact;
	return { contactId: id, ...(rest as unknown as IDataObject) };
}

/** The contact, checked to belong to the launch; a wrong id is an input error on "Contact ID". */
export async function contactInLaunch(ledger: Ledger, launch: string, contactId: string, field = 'contactId'): Promise<ContactRecord> {
	const contact = await ledger.contacts.get(contactId);
	if (!contact || contact.launch !== launch) {
		throw new LedgerInputError(field, `no contact "${contactId}" in launch "${launch}"; use the contactId of an earlier Waitlist node, or Find to look one up`);
	}
	return contact;
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	return [done(contactJson(await contactInLaunch(ledger, launch, contactId)))];
}
