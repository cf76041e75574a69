import { Readable } from 'node:stream';
import type { TextDecoder } from 'node:util';

import { charsetOf, decoderFor, inflaterFor, KEPT_PREFIX_BYTES, parseUrlEncoded, readCapped } from './bodyBytes';

/**
 * Reading a signup request. At node version 1 the trigger asks n8n not to parse bodies (the hidden
 * `options` parameter) so that it sees every request — malformed JSON and oversized bodies included —
 * and can answer with a clear error and keep what was received. At 1.1 n8n reads JSON, form,
 * text/plain and XML bodies itself (inflating gzip / deflate, up to its own 16 MB limit) and keeps the
 * bytes at `rawBody`, and parses multipart into `body.data` / `body.files`; this reads what it left.
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

/** Text fields of a multipart/form-data body (already decoded text); file parts are refused (a signup has none). */
function parseMultipart(text: string, contentType: string): Record<string, unknown> | string {
	const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	if (!boundary) return 'multipart/form-data without a boundary';
	const delimiter = `--${boundary[1] ?? boundary[2]}`;
	const fields: Record<string, unknown> = {};
	const parts = text.split(delimiter).slice(1);
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

type Refused = Extract<ParsedBody, { ok: false }>;

/**
 * The body's bytes, inflated if compressed, never more than `maxBytes` kept: read from the request
 * stream here (n8n leaves it unread for this trigger), or what n8n or a test already read.
 */
async function bodyBytes(req: IncomingRequest, maxBytes: number, contentType: string): Promise<Buffer | Refused> {
	const refused = (status: Refused['status'], reason: Refused['reason'], message: string, raw: string | null = null): Refused => ({ ok: false, status, reason, message, contentType, raw });
	const declaredLength = Number(header(req, 'content-length') ?? NaN);
	if (Number.isFinite(declaredLength) && declaredLength > maxBytes) return refused(413, 'too_large', `The body is ${declaredLength} bytes; at most ${maxBytes} are accepted`);
	const encoding = header(req, 'content-encoding');
	const inflater = inflaterFor(encoding);
	if (typeof inflater === 'string') return refused(415, 'unsupported_type', inflater);
	let bytes = req.rawBody;
	if (bytes && inflater && !inflatedByN8n(encoding)) {
		// n8n (node version 1.1) read the body but inflates only gzip and deflate: br is still compressed.
		const read = await readCapped(Readable.from([bytes]), maxBytes, inflater, encoding);
		if (read && !read.ok) return refused(read.status, read.reason, read.message, read.prefix?.toString('utf8') ?? null);
		bytes = read?.ok ? read.bytes : bytes;
	}
	if (!bytes) {
		const read = await readCapped(req, maxBytes, inflater, encoding);
		if (read && !read.ok) return refused(read.status, read.reason, read.message, read.prefix?.toString('utf8') ?? null);
		if (read) bytes = req.rawBody = read.bytes;
		else if (req.readRawBody) {
			await req.readRawBody();
			bytes = req.rawBody;
		}
	}
	bytes ??= Buffer.alloc(0);
	if (bytes.length > maxBytes) return refused(413, 'too_large', `The body is ${bytes.length} bytes; at most ${maxBytes} are accepted`, bytes.subarray(0, KEPT_PREFIX_BYTES).toString('utf8'));
	return bytes;
}

/** The Content-Encodings n8n's own body reader inflates into `rawBody` (exactly these header values). */
function inflatedByN8n(encoding: string | undefined): boolean {
	return encoding === 'gzip' || encoding === 'deflate';
}

/** A multipart body n8n parsed itself (node version 1.1): `{ data: fields, files }`, the stream already read. */
function n8nMultipart(req: IncomingRequest, contentType: string): ParsedBody | undefined {
	const body = req.body as { data?: unknown; files?: unknown } | undefined;
	if (req.rawBody || mediaType(contentType) !== 'multipart/form-data' || typeof body?.data !== 'object' || body.data === null) return undefined;
	const fields = body.data as Record<string, unknown>;
	const raw = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
	const file = Object.keys((body.files as Record<string, unknown> | undefined) ?? {})[0];
	if (file) return { ok: false, status: 400, reason: 'malformed', message: `The form data could not be read: file uploads are not accepted (field "${file}")`, contentType, raw };
	return { ok: true, contentType: 'multipart/form-data', fields, raw };
}

/** The one place a signup's body is read (encoding, size, charset, JSON / text / form / multipart). */
export async function readSignupBody(req: IncomingRequest, maxBytes: number): Promise<ParsedBody> {
	const contentType = header(req, 'content-type') ?? '';
	const parsedByN8n = n8nMultipart(req, contentType);
	if (parsedByN8n) return parsedByN8n;
	const bytes = await bodyBytes(req, maxBytes, contentType);
	if (!Buffer.isBuffer(bytes)) return bytes;
	const charset = charsetOf(contentType);
	const decoder = decoderFor(charset);
	if (typeof decoder === 'string') return { ok: false, status: 415, reason: 'unsupported_type', message: `Content-Type ${decoder}`, contentType, raw: bytes.toString('utf8') || null };
	let raw: string;
	try {
		raw = decoder.decode(bytes);
	} catch {
		const message = `The body is not valid ${charset ?? 'UTF-8'} text; send UTF-8, or name the charset it is written in (e.g. Content-Type: ${mediaType(contentType) || 'application/json'}; charset=ISO-8859-1)`;
		return { ok: false, status: 400, reason: 'malformed', message, contentType, raw: bytes.toString('utf8') };
	}
	return parseText(req, contentType, raw, bytes, decoder);
}

/**
 * A JSON object from the decoded body. `text/plain` carries JSON too: a landing page's `fetch` with a
 * text/plain body needs no CORS preflight, and n8n hands text/plain to the trigger as text at 1.1.
 */
function parseJson(type: string, contentType: string, raw: string): ParsedBody {
	const asText = type === 'text/plain' ? ' sent as text/plain' : '';
	try {
		const value = JSON.parse(raw.replace(/^\uFEFF/, '')) as unknown;
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			return { ok: false, status: 400, reason: 'malformed', message: `The JSON body${asText} must be an object such as {"email": "ada@example.com"}`, contentType, raw };
		}
		return { ok: true, contentType: type, fields: value as Record<string, unknown>, raw };
	} catch (error) {
		const hint = asText ? ' (a text/plain body must be the signup as JSON; send forms as application/x-www-form-urlencoded)' : '';
		return { ok: false, status: 400, reason: 'malformed', message: `The body${asText} is not valid JSON: ${(error as Error).message}${hint}`, contentType, raw };
	}
}

/** JSON (also as text/plain), form or multipart fields from the decoded body. */
function parseText(req: IncomingRequest, contentType: string, raw: string, bytes: Buffer, decoder: TextDecoder): ParsedBody {
	const type = mediaType(contentType);
	if (type === 'application/json' || type.endsWith('+json') || type === 'text/plain') return parseJson(type, contentType, raw);
	if (type === 'application/x-www-form-urlencoded') {
		const fields = parseUrlEncoded(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes, decoder, 200);
		if (typeof fields === 'string') {
			return { ok: false, status: 400, reason: 'malformed', message: `The form field "${fields}" is not valid ${charsetOf(contentType) ?? 'UTF-8'} text once decoded; send UTF-8, or name the charset in Content-Type`, contentType, raw };
		}
		return { ok: true, contentType: type, fields, raw };
	}
	if (type === 'multipart/form-data') {
		const fields = parseMultipart(raw, contentType);
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
		message: `Content-Type "${contentType || '(none)'}" is not accepted; send application/json (or JSON as text/plain), application/x-www-form-urlencoded or multipart/form-data`,
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
