import type { RenderedPage } from './layout';
import { PRIVATE_RESPONSE_HEADERS } from './headers';

/**
 * Answering a page request from a trigger's webhook() (which then returns noWebhookResponse): the
 * few parts of n8n's Express response the pages use, including streaming with back-pressure.
 */
export interface PageResponse {
	status(code: number): unknown;
	setHeader(name: string, value: string): unknown;
	send(body: unknown): unknown;
	end(body?: unknown): unknown;
	/** false when the socket's buffer is full: wait for 'drain' before writing more. */
	write(chunk: string): boolean;
	once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
	removeListener(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
	/** Set once the client went away. */
	destroyed?: boolean;
}

function setHeaders(res: PageResponse, headers: Record<string, string>): void {
	for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

export function sendPage(res: PageResponse, status: number, page: RenderedPage, extraHeaders: Record<string, string> = {}): void {
	res.status(status);
	setHeaders(res, { ...page.headers, ...extraHeaders });
	res.send(page.html);
}

/** A text answer (JSON, Prometheus text …) that must not be cached. */
export function sendText(res: PageResponse, status: number, contentType: string, text: string, extraHeaders: Record<string, string> = {}): void {
	res.status(status);
	setHeaders(res, { 'content-type': contentType, ...PRIVATE_RESPONSE_HEADERS, ...extraHeaders });
	res.send(text);
}

/** Resolves when the response may take more ('drain'), or when the client left ('close'). */
function drained(res: PageResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.removeListener('drain', done);
			res.removeListener('close', done);
			resolve();
		};
		res.once('drain', done);
		res.once('close', done);
	});
}

/**
 * Writes each chunk as it comes, waiting whenever the socket's buffer is full, so a large export
 * never sits in memory: at most one chunk here and the socket's buffer. Stops reading (closing the
 * source) when the client goes away. Returns how many bytes went out.
 */
export async function streamText(res: PageResponse, status: number, headers: Record<string, string>, chunks: AsyncIterable<string>): Promise<number> {
	res.status(status);
	setHeaders(res, { ...PRIVATE_RESPONSE_HEADERS, ...headers });
	let closed = false;
	const onClose = () => {
		closed = true;
	};
	res.once('close', onClose);
	let bytes = 0;
	try {
		for await (const chunk of chunks) {
			if (closed || res.destroyed) break; // for-await's break closes the source (its finally runs)
			bytes += Buffer.byteLength(chunk);
			if (!res.write(chunk)) await drained(res);
		}
	} finally {
		res.removeListener('close', onClose);
		if (!closed && !res.destroyed) res.end();
	}
	return bytes;
}
