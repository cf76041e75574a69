import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import type { SaleConfirmation } from '../../ledger';

/** The part of n8n's helpers this needs (IWebhookFunctions['helpers'] has it). */
interface HttpHelper {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

interface FullResponse {
	statusCode: number;
	body: unknown;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);
const truthy = (v: unknown): boolean => v === true || v === 'true';

/**
 * Looks the pinged sale up through Gumroad's API (GET /v2/sales/<id>, Bearer access token). A ping is
 * confirmed only when Gumroad knows the sale, for the same product and buyer, and it is not refunded
 * or charged back. A missing sale is final; Gumroad unreachable, rate-limiting or refusing the token
 * is not — the ping is kept and tried again when Gumroad repeats it (hourly, up to 3 times). No token
 * in the credential is a passing problem too: the ping waits for Gumroad's repeat.
 */
export async function confirmGumroadSale(helpers: HttpHelper, accessToken: string | undefined, ping: IDataObject): Promise<SaleConfirmation> {
	if (!accessToken) {
		return { confirmed: false, final: false, reason: 'the Gumroad Ping credential has no Access Token; add it (Gumroad → Settings → Advanced → Applications)' };
	}
	const saleId = text(ping.sale_id);
	if (!saleId) return { confirmed: false, final: true, reason: 'the ping has no sale_id' };
	let response: FullResponse;
	try {
		response = (await helpers.httpRequest({
			method: 'GET',
			url: `https://api.gumroad.com/v2/sales/${encodeURIComponent(saleId)}`,
			headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: 10_000,
		})) as FullResponse;
	} catch (error) {
		return { confirmed: false, final: false, reason: `Gumroad's API could not be reached: ${(error as Error).message}` };
	}
	const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as IDataObject;
	const message = text(body.message);
	if (response.statusCode === 401 || response.statusCode === 403) {
		return { confirmed: false, final: false, reason: `Gumroad refused the access token (HTTP ${response.statusCode}); check the Access Token in the Gumroad Ping credential` };
	}
	if (response.statusCode === 404 || (response.statusCode === 200 && body.success === false)) {
		return { confirmed: false, final: true, reason: `Gumroad has no sale ${saleId}${message ? `: ${message}` : ''}` };
	}
	if (response.statusCode !== 200 || body.success !== true || typeof body.sale !== 'object' || body.sale === null) {
		return { confirmed: false, final: false, reason: `Gumroad's API answered HTTP ${response.statusCode}${message ? `: ${message}` : ''}` };
	}
	const sale = body.sale as IDataObject;
	if (text(sale.id) !== saleId) return { confirmed: false, final: true, reason: `Gumroad returned sale ${text(sale.id) ?? '(none)'} for ${saleId}` };
	const pingProduct = text(ping.product_id);
	if (pingProduct && text(sale.product_id) !== pingProduct) {
		return { confirmed: false, final: true, reason: `sale ${saleId} is for product ${text(sale.product_id) ?? '(none)'}, the ping said ${pingProduct}` };
	}
	const pingEmail = text(ping.email)?.toLowerCase();
	const saleEmail = text(sale.email)?.toLowerCase();
	if (pingEmail && saleEmail && pingEmail !== saleEmail) return { confirmed: false, final: true, reason: `sale ${saleId} was bought by another email than the ping says` };
	if (truthy(sale.refunded)) return { confirmed: false, final: true, reason: `sale ${saleId} is refunded` };
	if (truthy(sale.chargedback)) return { confirmed: false, final: true, reason: `sale ${saleId} was charged back` };
	return { confirmed: true };
}
