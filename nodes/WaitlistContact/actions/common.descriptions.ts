import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requiredText, textParameter } from '../../shared/parameters';
import type { FieldLabels } from '../../shared/runner';

/** Kind + value of an identifier (find, link). `ext` asks for the system's name. */
export const identifierProperties: INodeProperties[] = [
	{
		displayName: 'Identifier Type',
		name: 'identifierKind',
		type: 'options',
		default: 'email',
		options: [
			{ name: 'Customer ID', value: 'customer_id', description: 'Your checkout or CRM customer ID, e.g. cus_123' },
			{ name: 'Email', value: 'email' },
			{ name: 'ID in Another System', value: 'ext', description: 'A record ID from an email tool or CRM, e.g. a Mailchimp subscriber ID' },
			{ name: 'Phone', value: 'phone', description: 'Stored in international format (+14155552671)' },
			{ name: 'Purchase Token', value: 'purchase_token', description: 'The token handed to checkout before payment' },
		],
	},
	{
		displayName: 'System Name',
		name: 'identifierSystem',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. mailchimp',
		description: 'Short lowercase name of the other system, e.g. "mailchimp" or "hubspot"; stored as ext:mailchimp',
		displayOptions: { show: { identifierKind: ['ext'] } },
	},
	{
		displayName: 'Identifier Value',
		name: 'identifierValue',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. ada@example.com',
		description: 'The email, phone number or ID itself. Emails and phones are matched however they are typed.',
	},
];

/** The identifier kind string the ledger expects, from the two parameters above. */
export function identifierKindOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const kind = textParameter(ctx, 'identifierKind', itemIndex) || 'email';
	if (kind !== 'ext') return kind;
	const system = requiredText(ctx, 'identifierSystem', itemIndex, '"mailchimp"').toLowerCase();
	return `ext:${system}`;
}

/** Ledger field names → the parameter names a user sees in this node. */
export const CONTACT_FIELD_LABELS: FieldLabels = {
	launch: 'Launch',
	email: 'Email',
	phone: 'Phone',
	customerId: 'Customer ID',
	identifiers: 'Other Identifiers',
	fields: 'Profile Fields',
	attribution: 'Attribution',
	consent: 'Consent',
	tags: 'Tags',
	contactId: 'Contact ID',
	referralLinkBase: 'Landing Page for Referral Links',
	kind: 'Identifier Type',
	identifierKind: 'Identifier Type',
	identifierSystem: 'System Name',
	value: 'Identifier Value',
	identifierValue: 'Identifier Value',
	sourceContactId: 'Contact to Merge Away',
	targetContactId: 'Contact to Keep',
	reviewId: 'Review Item ID',
	reviewDeskUrl: 'Review Desk URL',
	eventTypes: 'Event Types',
	limit: 'Limit',
};
