import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/parameters';
import * as access from './access/Access.resource';
import * as checkout from './checkout/Checkout.resource';
import * as product from './product/Product.resource';
import * as purchase from './purchase/Purchase.resource';

/**
 * The parameters of version 1, gathered from the operation files. The node-level fields (name, icon,
 * outputs, credentials) stay in PurchaseMatch.node.ts, where n8n's lint reads them.
 */
export const versionProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Access', value: 'access', description: 'A person\'s access to a product: look it up, or grant / revoke by hand' },
			{ name: 'Checkout', value: 'checkout', description: 'Before payment: tie the coming payment to the person' },
			{ name: 'Product', value: 'product', description: 'What you sell: price, currency, the checkout\'s product IDs' },
			{ name: 'Purchase', value: 'purchase', description: 'A payment webhook: match it and decide access' },
		],
		default: 'purchase',
	},
	...purchase.description,
	...checkout.description,
	...access.description,
	...product.description,
	launchProperty,
];
