import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, PAYMENT_PROVIDERS, type Ledger } from '../../../../ledger';
import { launchOf, requiredText, splitList, textParameter } from '../../../shared/parameters';
import { productIdProperty, type Routed } from '../common';

const show = { show: { operation: ['defineProduct'] } };

const PROVIDER_NAMES: Record<string, string> = {
	stripe: 'Stripe',
	lemonsqueezy: 'Lemon Squeezy',
	paddle: 'Paddle',
	shopify: 'Shopify',
	gumroad: 'Gumroad',
	generic: 'Other (Generic)',
};

export const description: INodeProperties[] = [
	productIdProperty(['defineProduct'], 'Your own short name for the product; access is kept per contact and product'),
	{
		displayName: 'Product Name',
		name: 'productName',
		type: 'string',
		default: '',
		placeholder: 'e.g. Spring Course 2027',
		displayOptions: show,
	},
	{
		displayName: 'Check Price',
		name: 'checkPrice',
		type: 'boolean',
		default: true,
		description: 'Whether a payment of another amount or currency goes to Review instead of granting access (a wrong price in checkout, a test payment)',
		displayOptions: show,
	},
	{
		displayName: 'Price (Cents)',
		name: 'amount',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 0 },
		description: 'The price in the currency\'s smallest unit: 5900 for $59.00 (for currencies without cents, such as JPY, the whole amount)',
		displayOptions: { show: { operation: ['defineProduct'], checkPrice: [true] } },
	},
	{
		displayName: 'Currency',
		name: 'currency',
		type: 'string',
		default: 'USD',
		placeholder: 'e.g. USD',
		description: 'Three-letter currency code, e.g. USD or EUR',
		displayOptions: { show: { operation: ['defineProduct'], checkPrice: [true] } },
	},
	{
		displayName: 'Provider Product IDs',
		name: 'aliases',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Provider Product ID',
		description: 'The IDs your checkout uses for this product (Stripe metadata product_id, a Lemon Squeezy product number …). Without them, the payment must name the Product ID itself.',
		displayOptions: show,
		options: [
			{
				name: 'alias',
				displayName: 'Provider Product ID',
				values: [
					{
						displayName: 'Provider',
						name: 'provider',
						type: 'options',
						default: 'stripe',
						options: PAYMENT_PROVIDERS.map((value) => ({ name: PROVIDER_NAMES[value] ?? value, value })),
					},
					{
						displayName: 'IDs',
						name: 'ids',
						type: 'string',
						default: '',
						placeholder: 'e.g. prod_Q1a2b3, prod_Q9z8y7',
						description: 'One or more IDs, separated by commas',
					},
				],
			},
		],
	},
];

function aliasesOf(ctx: IExecuteFunctions, itemIndex: number): Record<string, string[]> {
	const raw = ctx.getNodeParameter('aliases', itemIndex, {}) as { alias?: Array<{ provider?: string; ids?: string }> };
	const aliases: Record<string, string[]> = {};
	for (const [i, row] of (raw.alias ?? []).entries()) {
		const provider = row.provider ?? '';
		if (!(PAYMENT_PROVIDERS as readonly string[]).includes(provider)) throw new LedgerInputError(`aliases[${i}].provider`, `must be one of ${PAYMENT_PROVIDERS.join(', ')}`);
		const ids = splitList(String(row.ids ?? ''));
		if (ids.length === 0) throw new LedgerInputError(`aliases[${i}].ids`, 'is empty; enter the provider\'s product ID, e.g. prod_Q1a2b3');
		aliases[provider] = [...(aliases[provider] ?? []), ...ids];
	}
	return aliases;
}

/** The product catalogue lives in the ledger: price and currency checked on every capture, provider ids mapped to it. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const checkPrice = this.getNodeParameter('checkPrice', itemIndex, true) === true;
	const amount = checkPrice ? (this.getNodeParameter('amount', itemIndex, 0) as unknown) : null;
	if (amount !== null && (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 0)) {
		throw new LedgerInputError('amount', `must be a whole number of cents, e.g. 5900 for $59.00; got ${JSON.stringify(amount)}`);
	}
	const currency = checkPrice ? requiredText(this, 'currency', itemIndex, '"USD"') : null;
	const aliases = aliasesOf(this, itemIndex);
	const product = await ledger.purchases.defineProduct({
		launch,
		productId: requiredText(this, 'productId', itemIndex, '"course-101"'),
		name: textParameter(this, 'productName', itemIndex) || undefined,
		amount,
		currency,
		aliases,
	});
	return [{ output: 'done', json: { launch, ...(product as unknown as IDataObject), aliases } }];
}
