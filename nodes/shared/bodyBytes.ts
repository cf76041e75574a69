import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { TextDecoder } from 'node:util';

/**
 * The bytes of a signup body, read from the request stream with a cap on what is kept — after
 * inflating, when the body is compressed. n8n's own reader (`req.readRawBody`) inflates gzip and
 * deflate up to its 16 MB payload limit before anyone can look; a 15 KB gzip post then costs 15 MB
 * of memory. Reading the stream here stops at the trigger's own limit instead.
 */

/** What is kept of a body that was refused for its size (enough to recover a wrongly refused signup). */
export const KEPT_PREFIX_BYTES = 16 * 1024;

export type BodyBytes =
	| { ok: true; bytes: Buffer }
	| { ok: false; status: 400 | 413 | 415; reason: 'malformed' | 'too_large' | 'unsupported_type'; message: string; prefix: Buffer | null };

/** A stream reader for a Content-Encoding, null for none; a string says why it is not accepted. */
export function inflaterFor(contentEncoding: string | undefined): (() => Transform) | null | string {
	const encoding = (contentEncoding ?? '').trim().toLowerCase();
	if (encoding === '' || encoding === 'identity') return null;
	if (encoding === 'gzip' || encoding === 'x-gzip') return () => createGunzip();
	if (encoding === 'deflate') return () => createInflate();
	if (encoding === 'br') return () => createBrotliDecompress();
	return `Content-Encoding "${contentEncoding}" is not accepted; send the body uncompressed, or compressed once with gzip, deflate or br`;
}

function isStream(value: unknown): value is Readable {
	return typeof (value as Readable | undefined)?.pipe === 'function' && typeof (value as Readable).on === 'function';
}

/**
 * Reads `source` until its end or until more than `maxBytes` came out of it (inflated, if
 * `inflater` is given). Over the limit, the rest of the upload is read and dropped (not kept), so the
 * answer can still be sent on the same connection. Null when there is no stream left to read.
 */
export function readCapped(source: unknown, maxBytes: number, inflater: (() => Transform) | null, encodingName = ''): Promise<BodyBytes> | null {
	// Nothing left to read (no stream, or one already consumed): null, the caller uses what n8n kept.
	if (!isStream(source) || source.readableEnded) return null;
	return new Promise((resolve) => {
		const inflate = inflater?.() ?? null;
		const output: Readable = inflate ? source.pipe(inflate) : source;
		const chunks: Buffer[] = [];
		let size = 0;
		let settled = false;
		const stop = (result: BodyBytes) => {
			if (settled) return;
			settled = true;
			output.removeAllListeners('data');
			if (inflate) {
				source.unpipe(inflate);
				inflate.destroy();
			}
			source.resume();
			resolve(result);
		};
		output.on('data', (chunk: Buffer) => {
			if (settled) return;
			size += chunk.length;
			chunks.push(chunk);
			if (size <= maxBytes) return;
			const prefix = Buffer.concat(chunks).subarray(0, KEPT_PREFIX_BYTES);
			const what = inflate ? `inflates to more than ${maxBytes} bytes` : `is more than ${maxBytes} bytes`;
			stop({ ok: false, status: 413, reason: 'too_large', message: `The body ${what}; at most ${maxBytes} are accepted`, prefix });
		});
		output.once('end', () => stop({ ok: true, bytes: Buffer.concat(chunks) }));
		const broken = (error: Error) => {
			const message = inflate
				? `The body is not valid ${encodingName || 'compressed data'} (${error.message}); send it uncompressed or compress it once`
				: `The body could not be read (${error.message}); send it again`;
			stop({ ok: false, status: 400, reason: 'malformed', message, prefix: chunks.length ? Buffer.concat(chunks).subarray(0, KEPT_PREFIX_BYTES) : null });
		};
		output.once('error', broken);
		if (inflate) source.once('error', broken);
	});
}

/** The charset named in a Content-Type (`…; charset=ISO-8859-1`), if any. */
export function charsetOf(contentType: string): string | undefined {
	return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
}

/**
 * A strict decoder for the body's charset (UTF-8 when none is named): bytes that are not text in
 * it are refused rather than stored as U+FFFD. A string says why the charset is not accepted.
 */
export function decoderFor(charset: string | undefined): TextDecoder | string {
	try {
		return new TextDecoder(charset ?? 'utf-8', { fatal: true });
	} catch {
		return `charset "${charset}" is not supported; send UTF-8 (Content-Type: …; charset=utf-8) or a charset such as ISO-8859-1 or windows-1252`;
	}
}

function percentDecode(bytes: Buffer): Buffer {
	const out = Buffer.alloc(bytes.length);
	let n = 0;
	const hex = (b: number | undefined) => (b === undefined ? NaN : parseInt(String.fromCharCode(b), 16));
	for (let i = 0; i < bytes.length; i++) {
		const b = bytes[i]!;
		const hi = b === 0x25 ? hex(bytes[i + 1]) : NaN;
		const lo = b === 0x25 ? hex(bytes[i + 2]) : NaN;
		if (!Number.isNaN(hi) && !Number.isNaN(lo)) {
			out[n++] = hi * 16 + lo;
			i += 2;
		} else out[n++] = b === 0x2b ? 0x20 : b; // '+' is a space in form bodies
	}
	return out.subarray(0, n);
}

/**
 * An `application/x-www-form-urlencoded` body, the way browsers encode it: percent-escapes are
 * bytes in the form's charset (`Andr%E9` is "André" in ISO-8859-1). The last of repeated keys wins;
 * at most `maxKeys` pairs are read. A string names the field whose value is not text in the charset.
 */
export function parseUrlEncoded(bytes: Buffer, decoder: TextDecoder, maxKeys: number): Record<string, unknown> | string {
	const fields: Record<string, unknown> = {};
	let start = 0;
	let count = 0;
	while (start <= bytes.length && count < maxKeys) {
		let end = bytes.indexOf(0x26, start);
		if (end < 0) end = bytes.length;
		const pair = bytes.subarray(start, end);
		start = end + 1;
		if (pair.length === 0) continue;
		count++;
		const eq = pair.indexOf(0x3d);
		const rawName = percentDecode(eq < 0 ? pair : pair.subarray(0, eq));
		let name = '(a field name)';
		try {
			name = decoder.decode(rawName);
			const value = decoder.decode(percentDecode(eq < 0 ? Buffer.alloc(0) : pair.subarray(eq + 1)));
			// A key of that name would set the object's prototype, not a field.
			if (name !== '__proto__') fields[name] = value;
		} catch {
			return name;
		}
	}
	return fields;
}
