import type { SqlExecutor } from '../store';
import type { ChecklistRun } from './runs';

/**
 * What a run's test launch needs from the real launch before test traffic arrives: the products
 * (with their provider aliases), so a test payment is matched and priced exactly as a real one would
 * be. Copied, never shared: Clean Up deletes the test launch whole. Repeating it changes nothing.
 */
export async function prepareTestLaunch(tx: SqlExecutor, run: ChecklistRun, now = Date.now()): Promise<{ products: string[] }> {
	await tx.execute(
		`INSERT INTO purchase_products (launch, product_id, name, amount, currency, created_at, updated_at)
		 SELECT $2, product_id, name, amount, currency, $3, $3 FROM purchase_products WHERE launch = $1
		 ON CONFLICT (launch, product_id) DO NOTHING`,
		[run.launch, run.testLaunch, now],
	);
	await tx.execute(
		`INSERT INTO purchase_product_aliases (launch, provider, provider_product_id, product_id)
		 SELECT $2, provider, provider_product_id, product_id FROM purchase_product_aliases WHERE launch = $1
		 ON CONFLICT (launch, provider, provider_product_id) DO NOTHING`,
		[run.launch, run.testLaunch],
	);
	const rows = await tx.query<{ product_id: string }>('SELECT product_id FROM purchase_products WHERE launch = $1 ORDER BY product_id', [run.testLaunch]);
	return { products: rows.map((r) => r.product_id) };
}
