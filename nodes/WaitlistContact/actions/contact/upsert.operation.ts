import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { ATTRIBUTION_KEYS, LedgerInputError, type Ledger, type UpsertContactResult } from '../../../../ledger';
import { jsonParameter, launchOf, sourceOf, splitList, textParameter } from '../../../shared/parameters';
import { done, review, type Routed } from '../../../shared/runner';
import { linkedReviewItemJson, unknownTagReview } from '../../../shared/review';
import { reviewDeskUrlOf, reviewDeskUrlOption } from '../../../shared/reviewLink';

const ATTRIBUTION_LABELS: Record<(typeof ATTRIBUTION_KEYS)[number], { name: string; example: string }> = {
	utm_source: { name: 'UTM Source', example: 'newsletter' },
	utm_medium: { name: 'UTM Medium', example: 'email' },
	utm_campaign: { name: 'UTM Campaign', example: 'spring-launch' },
	utm_term: { name: 'UTM Term', example: 'online course' },
	utm_content: { name: 'UTM Content', example: 'hero-button' },
	gclid: { name: 'Google Click ID (gclid)', example: 'Cj0KCQ…' },
	fbclid: { name: 'Facebook Click ID (fbclid)', example: 'IwAR…' },
	ttclid: { name: 'TikTok Click ID (ttclid)', example: 'E.C.P…' },
	msclkid: { name: 'Microsoft Click ID (msclkid)', example: '3f5a…' },
	referrer: { name: 'Referrer', example: 'https://www.google.com/' },
	landing_url: { name: 'Landing Page URL', example: 'https://example.com/waitlist?utm_source=x' },
};

const properties: INodeProperties[] = [
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		description:
			'The person\'s email address, e.g. ada@example.com. Required when the launch recognises people by email (the default); matching ignores case and spaces.',
	},
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		default: '',
		placeholder: 'e.g. +1 415 555 2671',
		description: 'Optional, unless the launch recognises people by phone. Numbers without +country code are read in the launch\'s default country.',
	},
	{
		displayName: 'Customer ID',
		name: 'customerId',
		type: 'string',
		default: '',
		placeholder: 'e.g. cus_123',
		description: 'Optional, unless the launch recognises people by customer ID (from your checkout or CRM)',
	},
	{
		displayName: 'Profile Fields',
		name: 'profileInput',
		type: 'options',
		default: 'fields',
		options: [
			{ name: 'Define Below', value: 'fields', description: 'Add each field by name, e.g. first_name = Ada' },
			{ name: 'From JSON', value: 'json', description: 'One object, e.g. {"first_name": "Ada", "country": "DE"}' },
		],
		description: 'How to give profile fields such as first name. Existing values are kept or replaced according to the launch\'s merge policy.',
	},
	{
		displayName: 'Fields',
		name: 'profileFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Field',
		displayOptions: { show: { profileInput: ['fields'] } },
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'e.g. first_name' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '', placeholder: 'e.g. Ada' },
				],
			},
		],
	},
	{
		displayName: 'Fields (JSON)',
		name: 'profileJson',
		type: 'json',
		default: '{}',
		displayOptions: { show: { profileInput: ['json'] } },
		description: 'An object of profile fields, e.g. {"first_name": "Ada", "country": "DE"}',
	},
	{
		displayName: 'Attribution',
		name: 'attribution',
		type: 'collection',
		default: {},
		placeholder: 'Add Campaign Parameter',
		description: 'Where this signup came from. The ledger keeps the first touch and moves the last touch.',
		options: (
			[
				...ATTRIBUTION_KEYS.map(
					(key): INodeProperties => ({
					displayName: ATTRIBUTION_LABELS[key].name,
					name: key,
					type: 'string',
					default: '',
					placeholder: `e.g. ${ATTRIBUTION_LABELS[key].example}`,
				}),
			),
				{
					displayName: 'Seen At',
					name: 'at',
					type: 'dateTime',
					default: '',
					description: 'When this touch happened; leave empty for now',
				},
			] as INodeProperties[]
		).sort((a, b) => a.displayName.localeCompare(b.displayName)),
	},
	{
		displayName: 'Consent',
		name: 'consent',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Consent',
		description: 'What the person agreed to. A later answer replaces an earlier one for the same name.',
		options: [
			{
				displayName: 'Consent',
				name: 'item',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: 'marketing_email', placeholder: 'e.g. marketing_email' },
					{ displayName: 'Given', name: 'given', type: 'boolean', default: true, description: 'Whether the person agreed' },
				],
			},
		],
	},
	{
		displayName: 'Tags',
		name: 'tags',
		type: 'string',
		default: '',
		placeholder: 'e.g. early-bird, webinar',
		description: 'Comma-separated tags to add. They are matched against the launch\'s tag registry; unknown ones follow its policy.',
	},
	{
		displayName: 'Other Identifiers',
		name: 'identifiers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Identifier',
		description: 'More ways to recognise this person, e.g. their ID in your email tool. Conflicts go to the Review output.',
		options: [
			{
				displayName: 'Identifier',
				name: 'identifier',
				values: [
					{
						displayName: 'Type',
						name: 'kind',
						type: 'string',
						default: '',
						placeholder: 'e.g. ext:mailchimp',
						description: 'Email, phone, customer_id, purchase_token, or ext: plus the system\'s name (ext:mailchimp)',
					},
					{ displayName: 'Value', name: 'value', type: 'string', default: '', placeholder: 'e.g. 8f14e45f' },
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		default: {},
		placeholder: 'Add Option',
		options: [
			{
				displayName: 'Test Contact',
				name: 'isTest',
				type: 'boolean',
				default: false,
				description: 'Whether this is a dry-run contact, kept apart from real signups in reports',
			},
			reviewDeskUrlOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['upsert'] } }, properties);

function profileFields(ctx: IExecuteFunctions, itemIndex: number): unknown {
	if (ctx.getNodeParameter('profileInput', itemIndex, 'fields') === 'json') return jsonParameter(ctx, 'profileJson', itemIndex, 'fields');
	const rows = ctx.getNodeParameter('profileFields.field', itemIndex, []) as Array<{ name?: string; value?: unknown }>;
	const fields: IDataObject = {};
	for (const [i, row] of rows.entries()) {
		const name = String(row.name ?? '').trim();
		if (name === '') throw new LedgerInputError(`fields[${i}].name`, 'is empty; give each profile field a name such as first_name');
		fields[name] = row.value as IDataObject[string];
	}
	return fields;
}

function attribution(ctx: IExecuteFunctions, itemIndex: number): IDataObject | undefined {
	const values = ctx.getNodeParameter('attribution', itemIndex, {}) as IDataObject;
	return Object.keys(values).length ? values : undefined;
}

function consent(ctx: IExecuteFunctions, itemIndex: number): IDataObject | undefined {
	const rows = ctx.getNodeParameter('consent.item', itemIndex, []) as Array<{ name?: string; given?: boolean }>;
	if (rows.length === 0) return undefined;
	const flags: IDataObject = {};
	for (const [i, row] of rows.entries()) {
		const name = String(row.name ?? '').trim();
		if (name === '') throw new LedgerInputError(`consent[${i}].name`, 'is empty; name what was agreed to, e.g. marketing_email');
		flags[name] = row.given !== false;
	}
	return flags;
}

function otherIdentifiers(ctx: IExecuteFunctions, itemIndex: number): Array<{ kind: string; value: string }> {
	const rows = ctx.getNodeParameter('identifiers.identifier', itemIndex, []) as Array<{ kind?: string; value?: string }>;
	return rows.map((r) => ({ kind: String(r.kind ?? ''), value: String(r.value ?? '') }));
}

export function upsertResultJson(launch: string, result: UpsertContactResult): IDataObject {
	return {
		contactId: result.contactId,
		created: result.created,
		launch,
		changes: result.changes as IDataObject,
		changedFields: Object.keys(result.changes),
		linked: result.linked.map((id) => ({ kind: id.kind, value: id.display })),
		tags: { ...result.tags },
		sentToReview: result.conflicts.length + result.tags.quarantined.length,
	};
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as { isTest?: boolean };
	const deskUrl = reviewDeskUrlOf(this, itemIndex, 'options');
	const result = await ledger.contacts.upsert({
		launch,
		email: textParameter(this, 'email', itemIndex) || undefined,
		phone: textParameter(this, 'phone', itemIndex) || undefined,
		customerId: textParameter(this, 'customerId', itemIndex) || undefined,
		identifiers: otherIdentifiers(this, itemIndex),
		fields: profileFields(this, itemIndex) as Record<string, unknown>,
		attribution: attribution(this, itemIndex),
		consent: consent(this, itemIndex),
		tags: splitList(textParameter(this, 'tags', itemIndex)),
		isTest: options.isTest === true,
		source: sourceOf(this),
	});
	return [
		done(upsertResultJson(launch, result)),
		...result.conflicts.map((item) => review(linkedReviewItemJson(item, deskUrl))),
		...result.tags.quarantined.map((tag) => review(unknownTagReview({ launch, contactId: result.contactId, tag }))),
	];
}
