import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import { validateLaunch, validateProvider } from './inbox';

/** The launch's products, with the price a capture must match and the provider ids that mean each. */
export interface ProductInput {
	launch: string;
	productId: string;
	name?: string;
	/** Expected price in minor units; a capture of another amount goes to review. */
	amount?: number | null;
	currency?: string | null;
	/** Provider product ids that mean this product, e.g. { stripe: ["prod_1"], lemonsqueezy: ["42"] }. */
	aliases?: Partial<Record<string, string[]>>;
}

export interface Product {
	productId: string;
	name: string | null;
	amount: number | null;
	currency: string | null;
}

export async function defineProduct(tx: SqlExecutor, input: ProductInput): Promise<Product> {
	const launch = validateLaunch(input.launch);
	const productId = requiredText(input.productId, 'productId', 200);
	const amount = input.amount ?? null;
	if (amount !== null && (!Number.isInteger(amount) || amount < 0)) throw new LedgerInputError('amount', 'must be a whole number of minor units (cents), e.g. 5900');
	const currency = input.currency ? input.currency.trim().toUpperCase() : null;
	if (currency !== null && !/^[A-Z]{3}$/.test(currency)) throw new LedgerInputError('currency', `must be a three-letter ISO code such as USD; got ${JSON.stringify(input.currency)}`);
	const now = Date.now();
	await tx.execute(
		`INSERT INTO purchase_products (launch, product_id, name, amount, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
		 ON CONFLICT (launch, product_id) DO UPDATE SET name = excluded.name, amount = excluded.amount, currency = excluded.currency, updated_at = excluded.updated_at`,
		[launch, productId, input.name ?? null, amount, currency, now],
	);
	for (const [provider, ids] of Object.entries(input.aliases ?? {})) {
		validateProvider(provider);
		for (const id of ids ?? []) {
			await tx.execute(
				`INSERT INTO purchase_product_aliases (launch, provider, provider_product_id, product_id) VALUES ($1, $2, $3, $4)
				 ON CONFLICT (launch, provider, provider_product_id) DO UPDATE SET product_id = excluded.product_id`,
				[launch, provider, requiredText(id, `aliases.${provider}`, 200), productId],
			);
		}
	}
	return { productId, name: input.name ?? null, amount, currency };
}

export async function resolveProduct(tx: SqlExecutor, launch: string, provider: string, providerProductId: string | null): Promise<Product | null> {
	if (!providerProductId) return null;
	const [alias] = await tx.query<{ product_id: string }>(
		'SELECT product_id FROM purchase_product_aliases WHERE launch = $1 AND provider = $2 AND provider_product_id = $3',
		[launch, provider, providerProductId],
	);
	const [row] = await tx.query<{ product_id: string; name: string | null; amount: number | null; currency: string | null }>(
		'SELECT product_id, name, amount, currency FROM purchase_products WHERE launch = $1 AND product_id = $2',
		[launch, alias?.product_id ?? providerProductId],
	);
	return row ? { productId: row.product_id, name: row.name, amount: row.amount === null ? null : Number(row.amount), currency: row.currency } : null;
}
