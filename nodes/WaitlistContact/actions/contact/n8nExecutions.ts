import { NodeApiError, type IExecuteFunctions, type IHttpRequestOptions, type JsonObject } from 'n8n-workflow';

/**
 * The n8n side of a forget: find the executions n8n still keeps that hold the person, and delete them
 * through n8n's public API (an "n8n API" credential: its API key and base URL, …/api/v1), as n8n's own
 * n8n node does. How they are found, honestly: the executions are listed newest first with their
 * data, up to a limit, and an execution holds the person when its data (every node's input and
 * output, as n8n stored it) contains one of the erased values — an email in any capitals or
 * URL-encoded, an opaque id, a phone's last nine digits however the number was typed. The ledger
 * does not record execution ids, so nothing older than what is listed is looked at.
 */

export const N8N_API_CREDENTIAL = 'n8nApi';
const PAGE_SIZE = 100;

/** The texts that betray the person in an execution's data (lower case) and the digits of their phones. */
export interface PersonNeedles {
	texts: string[];
	phoneDigits: string[];
}

/** Needles for the erased values: too-short or all-digit values (ids like "42") would match strangers and are left out. */
export function personNeedles(values: readonly string[]): PersonNeedles {
	const texts = new Set<string>();
	const phoneDigits = new Set<string>();
	for (const raw of values) {
		const value = raw.trim().toLowerCase();
		if (/^\+\d{7,15}$/.test(value)) {
			phoneDigits.add(value.slice(-9));
			continue;
		}
		// A namespaced customer id ("stripe:cus_123") appears in a payment body without its namespace.
		for (const v of [value, value.replace(/^[a-z]+:/, '')]) {
			if (v.length < 6 || /^\d+$/.test(v)) continue;
			texts.add(v);
			texts.add(encodeURIComponent(v));
		}
	}
	return { texts: [...texts], phoneDigits: [...phoneDigits] };
}

/** Whether an execution's stored JSON holds the person. Phone numbers match however they were spaced or dashed. */
export function holdsPerson(executionJson: string, needles: PersonNeedles): boolean {
	const lower = executionJson.toLowerCase();
	if (needles.texts.some((t) => lower.includes(t))) return true;
	if (needles.phoneDigits.length === 0) return false;
	const digits = lower.replace(/[\s().\-\u00a0]|%20/g, '');
	return needles.phoneDigits.some((d) => digits.includes(d));
}

export interface ExecutionSweep {
	/** Executions whose data was searched. */
	examined: number;
	/** Executions deleted (they held the person). */
	deleted: number;
	/** Executions that held the person but were still running (n8n refuses to delete those): delete them by hand once finished. */
	stillRunning: string[];
}

interface ExecutionPage {
	data?: Array<{ id?: string | number; status?: string } & Record<string, unknown>>;
	nextCursor?: string | null;
}

function apiRequest(ctx: IExecuteFunctions, baseUrl: string, options: Omit<IHttpRequestOptions, 'url'> & { path: string }): Promise<unknown> {
	const { path, ...rest } = options;
	return ctx.helpers.httpRequestWithAuthentication.call(ctx, N8N_API_CREDENTIAL, { ...rest, url: `${baseUrl.replace(/\/+$/, '')}${path}`, json: true });
}

async function baseUrlOf(ctx: IExecuteFunctions, itemIndex: number): Promise<string> {
	const credential = await ctx.getCredentials(N8N_API_CREDENTIAL, itemIndex);
	return String(credential.baseUrl ?? '');
}

/** Asks n8n's API for one execution before anything is forgotten, so a wrong key or URL stops the forget instead of leaving it half done. */
export async function checkN8nApi(ctx: IExecuteFunctions, itemIndex: number): Promise<void> {
	const baseUrl = await baseUrlOf(ctx, itemIndex);
	try {
		await apiRequest(ctx, baseUrl, { method: 'GET', path: '/executions', qs: { limit: 1 } });
	} catch (error) {
		throw new NodeApiError(ctx.getNode(), error as JsonObject, {
			itemIndex,
			message: "n8n's API did not answer with this n8n API credential; nobody was forgotten",
			description: 'Check the credential: an API key made under Settings → n8n API (with execution read and delete scopes) and the Base URL ending in /api/v1.',
		});
	}
}

/** Lists up to `limit` executions (of `workflowId`, or all), newest first, and deletes those that hold the person. */
export async function deleteExecutionsHolding(
	ctx: IExecuteFunctions,
	itemIndex: number,
	needles: PersonNeedles,
	options: { limit: number; workflowId?: string },
): Promise<ExecutionSweep> {
	const baseUrl = await baseUrlOf(ctx, itemIndex);
	const current = ctx.getExecutionId();
	const sweep: ExecutionSweep = { examined: 0, deleted: 0, stillRunning: [] };
	const holding: string[] = [];
	let cursor: string | undefined;
	do {
		const qs: Record<string, string | number | boolean> = { includeData: true, limit: Math.min(PAGE_SIZE, options.limit - sweep.examined) };
		if (options.workflowId) qs.workflowId = options.workflowId;
		if (cursor) qs.cursor = cursor;
		const page = (await apiRequest(ctx, baseUrl, { method: 'GET', path: '/executions', qs })) as ExecutionPage;
		for (const execution of page.data ?? []) {
			sweep.examined++;
			const id = String(execution.id ?? '');
			if (!id || id === current) continue; // this run cannot delete itself
			if (holdsPerson(JSON.stringify(execution), needles)) holding.push(id);
		}
		cursor = page.nextCursor ?? undefined;
	} while (cursor && sweep.examined < options.limit);
	for (const id of holding) {
		try {
			await apiRequest(ctx, baseUrl, { method: 'DELETE', path: `/executions/${encodeURIComponent(id)}` });
			sweep.deleted++;
		} catch (error) {
			const status = Number((error as { httpCode?: string; status?: number }).httpCode ?? (error as { status?: number }).status);
			if (status === 400) sweep.stillRunning.push(id);
			else if (status !== 404) throw new NodeApiError(ctx.getNode(), error as JsonObject, { itemIndex }); // 404: deleted meanwhile (pruned, or by someone else)
		}
	}
	return sweep;
}
