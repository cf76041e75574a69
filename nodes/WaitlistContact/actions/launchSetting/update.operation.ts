import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { isSupportedCountry } from 'libphonenumber-js';

import { LedgerInputError, type LaunchSettings, type LaunchSettingsPatch, type Ledger, type MergePolicy } from '../../../../ledger';
import { launchOf, sourceOf } from '../../../shared/parameters';
import { done, type FieldLabels, type Routed } from '../../../shared/runner';
import { alertPatchFrom, alertSettingsProperty, ALERT_FIELD_LABELS } from './alertSettings';
import { settingsJson } from './get.operation';

/** The ledger's merge policies as a non-engineer reads them (sorted by name, as n8n's lint wants). */
const MERGE_POLICY_OPTIONS: Array<{ name: string; value: MergePolicy; description: string }> = [
	{
		name: 'Combine Lists',
		value: 'union',
		description: 'For lists such as interests: add what is new, keep what is there (["yoga"] + ["cooking"] = both)',
	},
	{
		name: 'Fill Empty Only (Default)',
		value: 'fill-empty',
		description: 'Write a value only into an empty field; a name already on file is kept',
	},
	{ name: 'Keep First Value', value: 'first-wins', description: 'Keep the earliest value the ledger saw, even if a later signup says otherwise' },
	{ name: 'Keep Latest Value', value: 'last-wins', description: 'Replace with the newest value, e.g. an updated city' },
	{ name: 'Never Change', value: 'never', description: 'Set when the contact is created, never changed afterwards' },
];

const CANONICAL_KEY_NOTICE =
	'Changing it on a launch that already has contacts only affects new signups: existing contacts keep their identifiers and are not re-keyed.';

const properties: INodeProperties[] = [
	{
		displayName:
			'Only the settings you add below are changed; everything else keeps its current value. Each change is recorded in the launch\'s history with this node\'s name. Changing "Canonical Key" on a launch that already has contacts only affects new signups. The launch monitor\'s thresholds are under Alert Settings.',
		name: 'updateNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Settings',
		name: 'settings',
		type: 'collection',
		default: {},
		placeholder: 'Add Setting',
		description: 'The settings to change for this launch',
		options: [
			{
				displayName: 'Canonical Key',
				name: 'canonicalKey',
				type: 'options',
				default: 'email',
				options: [
					{ name: 'Customer ID', value: 'customer_id', description: 'One customer ID from your checkout or CRM, e.g. cus_123' },
					{ name: 'Email', value: 'email', description: 'The email address (the default); case and spaces are ignored' },
					{ name: 'Phone', value: 'phone', description: 'The phone number, e.g. for an SMS-first launch; stored as +14155552671' },
				],
				description:
					'Which identifier decides that two signups are the same person. Changing it on a launch that already has contacts only affects new signups: existing contacts keep their identifiers and are not re-keyed.',
			},
			{
				displayName: 'Default Phone Country',
				name: 'defaultCountry',
				type: 'string',
				default: 'US',
				placeholder: 'e.g. GB',
				description:
					'Two-letter country code used for phone numbers typed without +country code, e.g. GB reads "020 7946 0958" as +44 20 7946 0958. Default: US.',
			},
			{
				displayName: 'Gmail Address Folding',
				name: 'gmailNormalization',
				type: 'boolean',
				default: false,
				description:
					'Whether Gmail addresses that reach the same inbox count as one person: a.da+news@gmail.com and ada@gmail.com become the same contact. Off by default.',
			},
			{
				displayName: 'Max Customer IDs per Contact',
				name: 'customerIdLimit',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 1,
				description: 'How many customer IDs one contact may hold (default 1). Linking one more goes to the Review output instead of merging.',
			},
			{
				displayName: 'Max Emails per Contact',
				name: 'emailLimit',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 5,
				description: 'How many email addresses one contact may hold (default 5). Linking one more goes to the Review output instead of merging.',
			},
			{
				displayName: 'Max Phones per Contact',
				name: 'phoneLimit',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 3,
				description: 'How many phone numbers one contact may hold (default 3). Linking one more goes to the Review output instead of merging.',
			},
			{
				displayName: 'Merge Policy for Other Fields',
				name: 'defaultMergePolicy',
				type: 'options',
				default: 'fill-empty',
				options: MERGE_POLICY_OPTIONS,
				description:
					'What happens when a signup brings a profile value (such as first_name) and the contact already has one, for every field without its own policy below. An empty value never replaces a stored one.',
			},
			{
				displayName: 'Merge Policy per Field',
				name: 'fieldMergePolicies',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Field Policy',
				description: 'A policy for one profile field, e.g. city → Keep Latest Value. Fields you leave out follow "Merge Policy for Other Fields".',
				options: [
					{
						displayName: 'Field Policy',
						name: 'rule',
						values: [
							{
								displayName: 'Field Name',
								name: 'field',
								type: 'string',
								default: '',
								placeholder: 'e.g. first_name',
								description: 'The profile field, as named in Create or Update, e.g. first_name or city',
							},
							{ displayName: 'Policy', name: 'policy', type: 'options', default: 'fill-empty', options: MERGE_POLICY_OPTIONS },
						],
					},
				],
			},
			{
				displayName: 'Unknown Tags',
				name: 'unknownTagPolicy',
				type: 'options',
				default: 'reject',
				options: [
					{
						name: 'Allow and Record',
						value: 'allow',
						description: 'Apply the tag anyway and note that it was not in the registry',
					},
					{
						name: 'Quarantine for Review',
						value: 'quarantine',
						description: 'Save the contact without the tag and send the tag to the Review output for a person to decide',
					},
					{
						name: 'Reject',
						value: 'reject',
						description: 'Stop with an error that names the tag and suggests close matches (the default)',
					},
				],
				description: 'What happens to a tag that is not in the launch\'s tag registry, e.g. a typo such as "Erly Bird"',
			},
		],
	},
	alertSettingsProperty,
];

export const description = updateDisplayOptions({ show: { resource: ['launchSetting'], operation: ['update'] } }, properties);

/** Ledger setting paths and this node's parameter paths → the names a user sees. */
export const SETTING_FIELD_LABELS: FieldLabels = {
	launch: 'Launch',
	settings: 'Settings',
	'settings.canonicalKey': 'Canonical Key',
	'settings.defaultCountry': 'Default Phone Country',
	'settings.gmailNormalization': 'Gmail Address Folding',
	'settings.customerIdLimit': 'Max Customer IDs per Contact',
	'settings.emailLimit': 'Max Emails per Contact',
	'settings.phoneLimit': 'Max Phones per Contact',
	'settings.identifierLimits': 'Settings',
	'settings.defaultMergePolicy': 'Merge Policy for Other Fields',
	'settings.fieldMergePolicies': 'Merge Policy per Field',
	'settings.mergePolicy': 'Merge Policy per Field',
	'settings.mergePolicy.fields': 'Merge Policy per Field',
	'settings.unknownTagPolicy': 'Unknown Tags',
	...ALERT_FIELD_LABELS,
};

/** Identifier kind in the ledger → the parameter that sets its limit. */
const LIMIT_PARAMETERS: Record<string, string> = { email: 'emailLimit', phone: 'phoneLimit', customer_id: 'customerIdLimit' };

interface SettingsParameter {
	canonicalKey?: unknown;
	defaultCountry?: unknown;
	gmailNormalization?: unknown;
	customerIdLimit?: unknown;
	emailLimit?: unknown;
	phoneLimit?: unknown;
	defaultMergePolicy?: unknown;
	fieldMergePolicies?: { rule?: Array<{ field?: unknown; policy?: unknown }> };
	unknownTagPolicy?: unknown;
}

/** "3" from an expression is the number 3; anything else goes to the ledger as given, to be judged there. */
function limitValue(value: unknown): unknown {
	if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
	return value;
}

/** The patch of the settings the user added; field names per row are checked here, values by the ledger. */
function patchFrom(values: SettingsParameter): LaunchSettingsPatch {
	const patch: Record<string, unknown> = {};
	if (values.canonicalKey !== undefined) patch.canonicalKey = values.canonicalKey;
	if (values.defaultCountry !== undefined) {
		const country = typeof values.defaultCountry === 'string' ? values.defaultCountry.trim().toUpperCase() : values.defaultCountry;
		// The ledger checks the shape (two letters); a code no phone number can be read in, such as
		// "XX", would only fail later on every signup, so it is refused here.
		if (typeof country === 'string' && /^[A-Z]{2}$/.test(country) && !isSupportedCountry(country)) {
			throw new LedgerInputError(
				'settings.defaultCountry',
				`"${country}" is not a country phone numbers can be read in; use a two-letter ISO code such as "GB", "US" or "DE"`,
			);
		}
		patch.defaultCountry = country;
	}
	if (values.gmailNormalization !== undefined) patch.gmailNormalization = values.gmailNormalization;
	const limits: Record<string, unknown> = {};
	for (const [kind, parameter] of Object.entries(LIMIT_PARAMETERS)) {
		const value = values[parameter as keyof SettingsParameter];
		if (value !== undefined) limits[kind] = limitValue(value);
	}
	if (Object.keys(limits).length > 0) patch.identifierLimits = limits;
	const mergePolicy: Record<string, unknown> = {};
	if (values.defaultMergePolicy !== undefined) mergePolicy.default = values.defaultMergePolicy;
	const rows = values.fieldMergePolicies?.rule ?? [];
	if (rows.length > 0) {
		const fields: Record<string, unknown> = {};
		for (const [i, row] of rows.entries()) {
			const field = typeof row.field === 'string' ? row.field.trim() : '';
			if (field === '') throw new LedgerInputError('settings.fieldMergePolicies', `row ${i + 1} has no field name; enter a profile field such as first_name`);
			fields[field] = row.policy;
		}
		mergePolicy.fields = fields;
	}
	if (Object.keys(mergePolicy).length > 0) patch.mergePolicy = mergePolicy;
	if (values.unknownTagPolicy !== undefined) patch.unknownTagPolicy = values.unknownTagPolicy;
	return patch as LaunchSettingsPatch;
}

/** A ledger error about a setting, renamed to the parameter that holds it. */
function asParameterError(error: LedgerInputError): LedgerInputError {
	const limit = /^settings\.identifierLimits\.(.+)$/.exec(error.field);
	if (limit && LIMIT_PARAMETERS[limit[1]!]) return new LedgerInputError(`settings.${LIMIT_PARAMETERS[limit[1]!]}`, error.reason);
	if (error.field === 'settings.mergePolicy.default') return new LedgerInputError('settings.defaultMergePolicy', error.reason);
	const field = /^settings\.mergePolicy\.fields\.(.+)$/.exec(error.field);
	if (field) return new LedgerInputError('settings.fieldMergePolicies', `the policy for "${field[1]}" ${error.reason}`);
	return error;
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const patch = patchFrom(this.getNodeParameter('settings', itemIndex, {}) as SettingsParameter);
	const alerts = alertPatchFrom(this.getNodeParameter('alertSettings', itemIndex, {}) as Record<string, unknown>);
	if (alerts) patch.alerts = alerts;
	if (Object.keys(patch).length === 0) {
		throw new LedgerInputError('settings', 'has nothing to change; click "Add Setting" (or "Add Alert Setting") and choose one, e.g. Unknown Tags');
	}
	// Read first only to report what changed; the ledger records the authoritative before/after event.
	const before = await ledger.settings.get(launch);
	let after: LaunchSettings;
	try {
		after = await ledger.settings.update(launch, patch, { source: sourceOf(this) });
	} catch (error) {
		throw error instanceof LedgerInputError ? asParameterError(error) : error;
	}
	const changes: IDataObject = {};
	for (const key of Object.keys(after) as (keyof LaunchSettings)[]) {
		if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
			changes[key] = { before: structuredClone(before[key]), after: structuredClone(after[key]) } as IDataObject;
		}
	}
	const json: IDataObject = { ...settingsJson(launch, after), changes, changedSettings: Object.keys(changes) };
	if (changes.canonicalKey) json.note = CANONICAL_KEY_NOTICE;
	return [done(json)];
}
