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
	{
		displayName: 'Product ID',
		name: 'productId',
		type: 'string',
		default: '',
		placeholder: 'e.g. course',
		description:
			'The product this checkout is for, as defined with Product → Define. The same person asking again for the same product gets the same token until it is paid with or 24 hours pass; leave empty for one token for any product.',
		displayOptions: show,
	},
];

/**
 * The contact's checkout token for the product: the open one again, else a new one (capped per hour).
 * One ledger call decides it all, so concurrent posts for one address get one token.
 */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const source = sourceOf(this);
	const productId = textParameter(this, 'productId', itemIndex);
	const byId = textParameter(this, 'identifyBy', itemIndex) === 'contactId';
	const token = await ledger.purchases.checkoutToken({
		launch,
		source,
		productId,
		...(byId
			? { contactId: requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}') }
			: { email: emailOf(this, itemIndex), createContact: this.getNodeParameter('createContact', itemIndex, true) === true }),
	});
	return [
		{
			output: 'done',
			json: {
				token: token.token,
				contactId: token.contactId,
				contactCreated: token.contactCreated,
				reused: token.reused,
				productId: token.productId,
				openUntil: token.openUntil,
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

/**
 * The email as one line of text. A form or JSON body can hand over anything (a list, an object, a
 * value with line breaks); each is refused naming the field rather than turned into text.
 */
function emailOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = ctx.getNodeParameter('email', itemIndex, '') as unknown;
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		throw new LedgerInputError('email', 'is required, e.g. "ada@example.com" or {{ $json.body.email }}');
	}
	if (typeof value !== 'string') throw new LedgerInputError('email', `must be one email address as text; got ${Array.isArray(value) ? 'a list' : typeof value}`);
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f]/.test(value.trim())) throw new LedgerInputError('email', 'must be one line of text without line breaks or control characters');
	return value.trim();
}
