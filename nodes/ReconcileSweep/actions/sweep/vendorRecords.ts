import type { IDataObject, IDisplayOptions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type CheckoutOrderRecord, type DeliveryEnrollmentRecord, type VendorContactRecord, type VendorSystem } from '../../../../ledger';

/**
 * Where each vendor's list items keep the fields the sweep compares. Empty parameters mean "detect":
 * the first of these paths with a value, which covers what n8n's own nodes (and the vendors' HTTP
 * APIs the templates call) return — Kit v4 subscribers, HubSpot v3 objects and the HubSpot node's
 * v1 contacts, Stripe charges and checkout sessions, a delivery platform's enrollments.
 */
const DETECT: Record<VendorSystem, Record<string, string[]>> = {
	esp: {
		email: ['email_address', 'email', 'emailAddress', 'properties.email', 'properties.email.value', 'merge_fields.EMAIL'],
		id: ['id', 'subscriber_id', 'vid'],
		tags: ['tags'],
	},
	crm: {
		email: ['properties.email', 'properties.email.value', 'email', 'email_address', 'primary_email'],
		id: ['id', 'vid', 'hs_object_id'],
		tags: ['tags'],
	},
	checkout: {
		// The ledger keys Stripe purchases by payment intent (one per order, whatever the charge count).
		orderId: ['payment_intent', 'order_id', 'orderId', 'id'],
		email: ['billing_details.email', 'receipt_email', 'customer_details.email', 'customer_email', 'email', 'user_email'],
		productId: ['metadata.product_id', 'metadata.productId', 'product_id', 'productId'],
		status: ['status', 'financial_status'],
	},
	delivery: {
		email: ['email', 'user.email', 'email_address', 'member.email'],
		productId: ['productId', 'product_id', 'course_id', 'offer_id'],
		id: ['id', 'enrollment_id'],
	},
};

export const SYSTEM_INPUTS: VendorSystem[] = ['esp', 'crm', 'checkout', 'delivery'];

export const SYSTEM_NAMES: Record<VendorSystem, string> = {
	esp: 'Email Platform (ESP)',
	crm: 'CRM',
	checkout: 'Checkout Orders',
	delivery: 'Delivery Enrollments',
};

const FIELD_PARAMETER: Record<VendorSystem, string> = { esp: 'espFields', crm: 'crmFields', checkout: 'checkoutFields', delivery: 'deliveryFields' };

function fieldOption(name: string, displayName: string, system: VendorSystem, description: string): INodeProperties {
	return {
		displayName,
		name,
		type: 'string',
		default: '',
		placeholder: DETECT[system][name]![0],
		description: `${description}. Empty: the first of ${DETECT[system][name]!.join(', ')} that has a value. Use dots for nested fields.`,
	};
}

export function fieldProperties(show: IDisplayOptions & { show: NonNullable<IDisplayOptions['show']> }): INodeProperties[] {
	const contactFields = (system: 'esp' | 'crm', what: string): INodeProperties[] => [
		fieldOption('email', 'Email Field', system, `Where each ${what} item has the email`),
		fieldOption('id', 'ID Field', system, `Where each ${what} item has the vendor's record ID`),
		fieldOption('tags', 'Tags Field', system, `Where each ${what} item has its tags (a list, or comma-separated text); without tags, tags are not compared`),
	];
	return [
		{
			displayName: 'Email Platform Fields',
			name: 'espFields',
			type: 'collection',
			placeholder: 'Set a field name',
			default: {},
			description: 'Only needed when the subscriber items do not look like Kit\'s subscribers (email in email_address)',
			options: contactFields('esp', 'subscriber'),
			displayOptions: show,
		},
		{
			displayName: 'CRM Fields',
			name: 'crmFields',
			type: 'collection',
			placeholder: 'Set a field name',
			default: {},
			description: 'Only needed when the contact items do not look like HubSpot\'s contacts (email in properties.email)',
			options: contactFields('crm', 'contact'),
			displayOptions: show,
		},
		{
			displayName: 'Checkout Fields',
			name: 'checkoutFields',
			type: 'collection',
			placeholder: 'Set a field name',
			default: {},
			description: 'Only needed when the order items do not look like Stripe\'s charges (payment_intent, billing_details.email)',
			options: [
				fieldOption('orderId', 'Order ID Field', 'checkout', 'Where each order item has the ID the ledger knows the purchase by'),
				fieldOption('email', 'Email Field', 'checkout', 'Where each order item has the buyer\'s email'),
				fieldOption('productId', 'Product ID Field', 'checkout', 'Where each order item has the product'),
				fieldOption('status', 'Status Field', 'checkout', 'Where each order item has the vendor\'s status (reported only; access follows the ledger)'),
			],
			displayOptions: show,
		},
		{
			displayName: 'Delivery Fields',
			name: 'deliveryFields',
			type: 'collection',
			placeholder: 'Set a field name',
			default: {},
			description: 'Only needed when the enrollment items do not have email and productId',
			options: [
				fieldOption('email', 'Email Field', 'delivery', 'Where each enrollment item has the member\'s email'),
				fieldOption('productId', 'Product ID Field', 'delivery', 'Where each enrollment item has the product (course, offer …) as the ledger names it'),
				fieldOption('id', 'ID Field', 'delivery', 'Where each enrollment item has the platform\'s enrollment ID'),
			],
			displayOptions: show,
		},
	];
}

function valueAt(json: IDataObject, path: string): unknown {
	let current: unknown = json;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

/** Reads one field: the configured path, or the first detected path with a value. */
function reader(system: VendorSystem, field: string, configured: unknown): (json: IDataObject) => unknown {
	const path = typeof configured === 'string' ? configured.trim() : '';
	if (path) return (json) => valueAt(json, path);
	const candidates = DETECT[system][field]!;
	return (json) => {
		for (const candidate of candidates) {
			const value = valueAt(json, candidate);
			if (present(value)) return value;
		}
		return undefined;
	};
}

function asText(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

function asId(value: unknown): string | number | undefined {
	return typeof value === 'number' ? value : asText(value);
}

function asTags(value: unknown): string[] | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value.split(',').map((t) => t.trim()).filter(Boolean);
	if (!Array.isArray(value)) return undefined;
	return value
		.map((t) => (typeof t === 'string' ? t : t && typeof t === 'object' ? asText((t as IDataObject).name ?? (t as IDataObject).tag) : undefined))
		.filter((t): t is string => typeof t === 'string' && t !== '');
}

type AnyRecord = VendorContactRecord | CheckoutOrderRecord | DeliveryEnrollmentRecord;

/** Maps an item to the record the engine compares; fields it cannot read stay empty (the engine reports those records). */
export function recordMapper(system: VendorSystem, fields: IDataObject): (json: IDataObject) => AnyRecord {
	const read = (field: string) => reader(system, field, fields[field]);
	if (system === 'esp' || system === 'crm') {
		const [email, id, tags] = [read('email'), read('id'), read('tags')];
		return (json) => {
			const record: VendorContactRecord = { email: asText(email(json)) ?? '' };
			const recordId = asId(id(json));
			if (recordId !== undefined) record.id = recordId;
			const list = asTags(tags(json));
			if (list) record.tags = list;
			return record;
		};
	}
	if (system === 'checkout') {
		const [orderId, email, productId, status] = [read('orderId'), read('email'), read('productId'), read('status')];
		return (json) => ({ orderId: asText(orderId(json)) ?? '', email: asText(email(json)), productId: asText(productId(json)), status: asText(status(json)) });
	}
	const [email, productId, id] = [read('email'), read('productId'), read('id')];
	return (json) => ({ email: asText(email(json)) ?? '', productId: asText(productId(json)) ?? '', id: asId(id(json)) });
}

export function fieldsOf(getParameter: (name: string) => unknown, system: VendorSystem): IDataObject {
	const value = getParameter(FIELD_PARAMETER[system]);
	return value && typeof value === 'object' ? (value as IDataObject) : {};
}

/** The field a list cannot do without, per system. */
const KEY_FIELD: Record<VendorSystem, 'email' | 'orderId'> = { esp: 'email', crm: 'email', checkout: 'orderId', delivery: 'email' };

/**
 * A list where not one of the first items has the key field is a wiring or mapping mistake (the
 * wrong node's output, a field renamed), not a vendor with broken records: refuse it before the
 * sweep turns every record into a finding.
 */
export function checkMapping(system: VendorSystem, items: INodeExecutionData[], map: (json: IDataObject) => AnyRecord, fields: IDataObject): void {
	const sample = items.slice(0, 25);
	const key = KEY_FIELD[system];
	if (sample.some((item) => present((map(item.json) as unknown as Record<string, unknown>)[key]))) return;
	const configured = typeof fields[key] === 'string' && (fields[key] as string).trim() !== '' ? `"${fields[key] as string}"` : `any of ${DETECT[system][key]!.join(', ')}`;
	const keys = Object.keys(sample[0]?.json ?? {}).slice(0, 12).join(', ');
	throw new LedgerInputError(
		FIELD_PARAMETER[system],
		`none of the first ${sample.length} items on the ${SYSTEM_NAMES[system]} input has a value at ${configured} (the first item has: ${keys || 'no fields'}); set the ${key === 'email' ? 'Email Field' : 'Order ID Field'} to where the items keep it, or wire the list into the right input`,
	);
}

/** Items → records, one at a time: the engine reads them in batches, so no second copy of the list is built. */
export function* records(items: INodeExecutionData[], map: (json: IDataObject) => AnyRecord): Generator<AnyRecord> {
	for (const item of items) yield map(item.json);
}
