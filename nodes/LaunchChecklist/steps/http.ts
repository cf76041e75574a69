import type { IDataObject, IExecuteFunctions, IHttpRequestMethods } from 'n8n-workflow';

/** What an HTTP call gave back, as evidence: a status and body, or the network error. */
export interface HttpAnswer {
	status: number | null;
	body: unknown;
	error: string | null;
}

export interface HttpCall {
	method: IHttpRequestMethods;
	url: string;
	headers?: Record<string, string>;
	/** An object is sent as JSON; a string as is (a signed webhook body must go byte for byte). */
	body?: IDataObject | string;
	qs?: IDataObject;
	timeoutMs?: number;
}

/**
 * One request through n8n's own HTTP helper (the same stack n8n's vendor nodes use), never throwing:
 * a step reports a vendor's 403 or a refused connection as evidence with a fix, not as a crash.
 */
export async function send(ctx: IExecuteFunctions, call: HttpCall): Promise<HttpAnswer> {
	try {
		const response = (await ctx.helpers.httpRequest({
			method: call.method,
			url: call.url,
			headers: call.headers,
			body: call.body,
			qs: call.qs,
			json: typeof call.body !== 'string',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: call.timeoutMs ?? 30_000,
		})) as { statusCode: number; body: unknown };
		return { status: response.statusCode, body: parsed(response.body), error: null };
	} catch (error) {
		return { status: null, body: null, error: (error as Error).message };
	}
}

function parsed(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body) as unknown;
	} catch {
		return body.length > 2000 ? `${body.slice(0, 2000)}…` : body;
	}
}

/** "answered 404" or "could not be reached (connect ECONNREFUSED …)", for fix texts. */
export function answered(answer: HttpAnswer): string {
	return answer.status === null ? `could not be reached (${answer.error ?? 'no answer'})` : `answered ${answer.status}`;
}
