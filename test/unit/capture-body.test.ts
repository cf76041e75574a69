import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { brotliCompressSync, createGunzip, createInflate, deflateSync, gzipSync } from 'node:zlib';

import { readSignupBody, type IncomingRequest } from '../../nodes/shared/http';

const LIMIT = 64 * 1024;

/**
 * A request as n8n hands it to the trigger (its webhook node stays at version 1 with "Raw Body" on,
 * so n8n leaves the stream unread): the body as a stream in 16 KB chunks, and n8n's own
 * `readRawBody`, which inflates gzip / deflate whole (up to its 16 MB payload limit) into `rawBody`.
 */
function n8nRequest(body: Buffer, headers: Record<string, string>): IncomingRequest & Readable {
	const chunks: Buffer[] = [];
	for (let at = 0; at < body.length; at += 16 * 1024) chunks.push(body.subarray(at, at + 16 * 1024));
	const req = Readable.from(chunks) as unknown as IncomingRequest & Readable;
	req.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
	req.readRawBody = async () => {
		const encoding = req.headers['content-encoding'];
		const stream: Readable = encoding === 'gzip' ? req.pipe(createGunzip()) : encoding === 'deflate' ? req.pipe(createInflate()) : req;
		const parts: Buffer[] = [];
		for await (const part of stream) parts.push(part as Buffer);
		req.rawBody = Buffer.concat(parts);
	};
	return req;
}

const form = (text: string | Buffer, extra: Record<string, string> = {}) =>
	n8nRequest(Buffer.isBuffer(text) ? text : Buffer.from(text), { 'content-type': 'application/x-www-form-urlencoded', ...extra });

describe('readSignupBody: compressed bodies are inflated only up to the limit', () => {
	it('a 15 KB gzip post that inflates to 15 MB → 413 too_large, and the 15 MB is never held', async () => {
		const inflated = Buffer.from(JSON.stringify({ email: 'bomb@example.com', note: 'x'.repeat(15 * 1024 * 1024) }));
		const gz = gzipSync(inflated, { level: 9 });
		assert.ok(gz.length < LIMIT, `the compressed body (${gz.length} bytes) passes a check on the compressed length`);
		const req = n8nRequest(gz, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
		const body = await readSignupBody(req, LIMIT);
		assert.equal(body.ok, false);
		assert.deepEqual(body.ok ? null : [body.status, body.reason], [413, 'too_large']);
		assert.match(body.ok ? '' : body.message, /inflates to more than 65536 bytes/);
		assert.ok((req.rawBody?.length ?? 0) <= LIMIT, `kept ${req.rawBody?.length} bytes of the inflated body`);
		assert.ok(body.ok ? false : (body.raw?.length ?? 0) <= 16 * 1024, 'what is recorded is a prefix');
		assert.ok(!body.ok && body.raw?.startsWith('{"email":"bomb@example.com"'), 'the prefix names who sent it');
	});

	it('gzip, deflate and br bodies under the limit are read as the signup they inflate to', async () => {
		const json = Buffer.from(JSON.stringify({ email: 'zip@example.com' }));
		for (const [encoding, bytes] of [['gzip', gzipSync(json)], ['deflate', deflateSync(json)], ['br', brotliCompressSync(json)]] as const) {
			const body = await readSignupBody(n8nRequest(bytes, { 'content-type': 'application/json', 'content-encoding': encoding }), LIMIT);
			assert.deepEqual(body.ok ? body.fields : body, { email: 'zip@example.com' }, encoding);
		}
	});

	it('broken gzip → 400 malformed naming the encoding (n8n itself answers 500 and records nothing)', async () => {
		const gz = gzipSync(Buffer.from(JSON.stringify({ email: 'broken@example.com' })));
		const req = n8nRequest(Buffer.concat([gz.subarray(0, 10), Buffer.from('not gzip at all')]), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
		const body = await readSignupBody(req, LIMIT);
		assert.deepEqual(body.ok ? null : [body.status, body.reason], [400, 'malformed']);
		assert.match(body.ok ? '' : body.message, /not valid gzip/);
	});

	it('an encoding nobody inflates (compress, or gzip twice) → 415 naming it', async () => {
		for (const encoding of ['compress', 'gzip, gzip']) {
			const body = await readSignupBody(n8nRequest(Buffer.from('{}'), { 'content-type': 'application/json', 'content-encoding': encoding }), LIMIT);
			assert.deepEqual(body.ok ? null : [body.status, body.reason], [415, 'unsupported_type'], encoding);
			assert.ok(!body.ok && body.message.includes(`"${encoding}"`), encoding);
		}
	});

	it('an uncompressed body sent without Content-Length (chunked) is cut off at the limit, not read whole', async () => {
		const req = form(`email=chunked%40example.com&note=${'x'.repeat(5 * 1024 * 1024)}`);
		const body = await readSignupBody(req, LIMIT);
		assert.deepEqual(body.ok ? null : [body.status, body.reason], [413, 'too_large']);
		assert.ok((req.rawBody?.length ?? 0) <= LIMIT, `kept ${req.rawBody?.length} bytes`);
	});
});

describe('readSignupBody: the declared charset decodes the body', () => {
	it('ISO-8859-1 form body: a raw byte and a percent-escape both read as "André"', async () => {
		const bytes = Buffer.concat([Buffer.from('email=andre%40example.com&first_name=Andr'), Buffer.from([0xe9]), Buffer.from('&last_name=Andr%E9+Dupont')]);
		const body = await readSignupBody(form(bytes, { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' }), LIMIT);
		assert.deepEqual(body.ok ? body.fields : body, { email: 'andre@example.com', first_name: 'André', last_name: 'André Dupont' });
	});

	it('windows-1252 JSON: 0x80 is "€"; UTF-8 (declared or not) still reads as before', async () => {
		const latin = Buffer.concat([Buffer.from('{"email":"eu@example.com","company":"'), Buffer.from([0x80]), Buffer.from(' Ltd"}')]);
		const body = await readSignupBody(n8nRequest(latin, { 'content-type': 'application/json; charset="windows-1252"' }), LIMIT);
		assert.equal(body.ok ? body.fields.company : body.message, '€ Ltd');
		for (const contentType of ['application/json', 'application/json; charset=utf-8']) {
			const utf8 = await readSignupBody(n8nRequest(Buffer.from('{"email":"z@example.com","first_name":"Zoë"}'), { 'content-type': contentType }), LIMIT);
			assert.equal(utf8.ok ? utf8.fields.first_name : utf8.message, 'Zoë');
		}
		const utf8Form = await readSignupBody(form('email=z%40example.com&first_name=Zo%C3%AB'), LIMIT);
		assert.equal(utf8Form.ok ? utf8Form.fields.first_name : utf8Form.message, 'Zoë');
	});

	it('bytes that are not UTF-8, with no charset declared → 400 malformed saying so (never stored as U+FFFD)', async () => {
		const raw = await readSignupBody(form(Buffer.concat([Buffer.from('email=a%40example.com&first_name=Andr'), Buffer.from([0xe9])])), LIMIT);
		assert.deepEqual(raw.ok ? raw.fields : [raw.status, raw.reason], [400, 'malformed']);
		assert.match(raw.ok ? '' : raw.message, /not valid UTF-8.*charset=ISO-8859-1/);
		const escaped = await readSignupBody(form('email=a%40example.com&first_name=Andr%E9'), LIMIT);
		assert.deepEqual(escaped.ok ? escaped.fields : [escaped.status, escaped.reason], [400, 'malformed']);
		assert.match(escaped.ok ? '' : escaped.message, /"first_name" is not valid UTF-8/);
	});

	it('a charset nobody knows → 415 naming it', async () => {
		const body = await readSignupBody(form('email=a%40example.com', { 'content-type': 'application/x-www-form-urlencoded; charset=x-klingon' }), LIMIT);
		assert.deepEqual(body.ok ? null : [body.status, body.reason], [415, 'unsupported_type']);
		assert.match(body.ok ? '' : body.message, /charset "x-klingon" is not supported/);
	});

	it('multipart/form-data: text fields read in the declared charset; a file part is refused', async () => {
		const part = (name: string, value: Buffer | string, extra = '') => Buffer.concat([Buffer.from(`--b0\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n')]);
		const latin = Buffer.concat([part('email', 'mp@example.com'), part('first_name', Buffer.from([0x41, 0x6e, 0x64, 0x72, 0xe9])), Buffer.from('--b0--\r\n')]);
		const body = await readSignupBody(n8nRequest(latin, { 'content-type': 'multipart/form-data; boundary=b0; charset=ISO-8859-1' }), LIMIT);
		assert.deepEqual(body.ok ? body.fields : body, { email: 'mp@example.com', first_name: 'André' });
		const file = Buffer.concat([part('email', 'mp@example.com'), part('cv', 'x', '; filename="cv.pdf"'), Buffer.from('--b0--\r\n')]);
		const refused = await readSignupBody(n8nRequest(file, { 'content-type': 'multipart/form-data; boundary=b0' }), LIMIT);
		assert.deepEqual(refused.ok ? null : [refused.status, refused.reason], [400, 'malformed']);
		assert.match(refused.ok ? '' : refused.message, /file uploads are not accepted \(field "cv"\)/);
	});
});
