import { parse as parseQueryString } from 'node:querystring';

/**
 * Reading a signup request. The trigger asks n8n not to parse bodies (see the hidden `options`
 * parameter) so that it sees every request — malformed JSON and oversized bodies included — and
 * can answer with a clear error and keep what was received.
 */

export interface IncomingRequest {
	method?: string;
	path?: string;
	url?: string;
	headers: Record<string, string | string[] | undefined>;
	body?: unknown;
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
	query?: Record<string, unknown>;
	socket?: { remoteAddress?: string };
	ip?: string;
}

/** The part of Express's response the trigger answers with. */
export interface ExpressLikeResponse {
	status(code: number): ExpressLikeResponse;
	setHeader(name: string, value: string): unknown;
	json(body: unknown): unknown;
	send(body: unknown): unknown;
	end(body?: unknown): unknown;
	redirect(status: number, url: string): unknown;
}

/** A body as read here: the signup's fields, or why they could not be read (the ledger records it). */
export type ParsedBody =
	| { ok: true; contentType: string; fields: Record<string, unknown>; raw: string }
	| { ok: false; status: 400 | 413 | 415; reason: 'malformed' | 'too_large' | 'unsupported_type'; message: string; contentType: string; raw: string | null };

export function header(req: IncomingRequest, name: string): string | undefined {
	const value = req.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

function mediaType(contentType: string): string {
	return contentType.split(';')[0]!.trim().toLowerCase();
}

/** Text fields of a multipart/form-data body; file parts are refused (a signup has none). */
function parseMultipart(raw: Buffer, contentType: string): Record<string, unknown> | string {
	const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	if (!boundary) return 'multipart/form-data without a boundary';
	const delimiter = `--${boundary[1] ?? boundary[2]}`;
	const fields: Record<string, unknown> = {};
	const parts = raw.toString('utf8').split(delimiter).slice(1);
	for (const part of parts) {
		if (part.startsWith('--')) break;
		const end = part.indexOf('\r\n\r\n');
		if (end < 0) return 'a multipart part without headers';
		const headers = part.slice(0, end);
		const name = /name="([^"]*)"/i.exec(headers)?.[1];
		if (!name) return 'a multipart part without a field name';
		if (/filename="/i.test(headers)) return `file uploads are not accepted (field "${name}")`;
		fields[name] = part.slice(end + 4).replace(/\r\n$/, '');
	}
	return fields;
}

/** The one place a signup's body is read (content type, size, JSON / form / multipart). */
export async function readSignupBody(req: IncomingRequest, maxBytes: number): Promise<ParsedBody> {
	const contentType = header(req, 'content-type') ?? '';
	const declaredLength = Number(header(req, 'content-length') ?? NaN);
	if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
		return { ok: false, status: 413, reason: 'too_large', message: `The body is ${declaredLength} bytes; at most ${maxBytes} are accepted`, contentType, raw: null };
	}
	if (!req.rawBody && req.readRawBody) await req.readRawBody();
	const rawBuffer = req.rawBody ?? Buffer.alloc(0);
	if (rawBuffer.length > maxBytes) {
		return { ok: false, status: 413, reason: 'too_large', message: `The body is ${rawBuffer.length} bytes; at most ${maxBytes} are accepted`, contentType, raw: rawBuffer.subarray(0, 16 * 1024).toString('utf8') };
	}
	const raw = rawBuffer.toString('utf8');
	const type = mediaType(contentType);
	if (type === 'application/json' || type.endsWith('+json')) {
		try {
			const value = JSON.parse(raw.replace(/^\uFEFF/, '')) as unknown;
			if (typeof value !== 'object' || value === null || Array.isArray(value)) {
				return { ok: false, status: 400, reason: 'malformed', message: 'The JSON body must be an object such as {"email": "ada@example.com"}', contentType, raw };
			}
			return { ok: true, contentType: type, fields: value as Record<string, unknown>, raw };
		} catch (error) {
			return { ok: false, status: 400, reason: 'malformed', message: `The body is not valid JSON: ${(error as Error).message}`, contentType, raw };
		}
	}
	if (type === 'application/x-www-form-urlencoded') {
		const parsed = parseQueryString(raw.replace(/^\uFEFF/, ''), undefined, undefined, { maxKeys: 200 });
		const fields: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(parsed)) fields[key] = Array.isArray(value) ? value[value.length - 1] : value;
		return { ok: true, contentType: type, fields, raw };
	}
	if (type === 'multipart/form-data') {
		const fields = parseMultipart(rawBuffer, contentType);
		if (typeof fields === 'string') return { ok: false, status: 400, reason: 'malformed', message: `The form data could not be read: ${fields}`, contentType, raw };
		return { ok: true, contentType: type, fields, raw };
	}
	// Already parsed upstream (the in-process test harness hands over a parsed body).
	if (!contentType && req.body && typeof req.body === 'object' && Object.keys(req.body).length > 0) {
		return { ok: true, contentType: 'application/json', fields: req.body as Record<string, unknown>, raw };
	}
	return {
		ok: false,
		status: 415,
		reason: 'unsupported_type',
		message: `Content-Type "${contentType || '(none)'}" is not accepted; send application/json, application/x-www-form-urlencoded or multipart/form-data`,
		contentType,
		raw: raw || null,
	};
}

/** Whether a browser sent this as a page navigation (form post) rather than fetch/XHR/API. */
export function wantsHtml(req: IncomingRequest, contentType: string): boolean {
	const accept = header(req, 'accept') ?? '';
	return (contentType === 'application/x-www-form-urlencoded' || contentType === 'multipart/form-data') && accept.includes('text/html');
}

export function remoteAddress(req: IncomingRequest): string | null {
	return req.ip ?? req.socket?.remoteAddress ?? null;
}

/** `https://x/thanks` + the signup's UTMs, so the thank-you page still knows the campaign. */
export function withQuery(url: string, params: Record<string, string | undefined>): string {
	const target = new URL(url);
	for (const [key, value] of Object.entries(params)) if (value && !target.searchParams.has(key)) target.searchParams.set(key, value);
	return target.toString();
}
