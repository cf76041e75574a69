import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { keptBody, KEPT_PREFIX_BYTES, wholeBody } from '../../ledger/internal';

/** What the ledger keeps of a refused body (ledger/refusals.ts): a prefix on a character boundary, the whole size and hash. */
describe('keptBody', () => {
	it('keeps a short body whole, with its size and hash', () => {
		const body = '{"email":"zoë@example.com"}';
		assert.deepEqual(keptBody(body), { text: body, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex'), cut: false });
		assert.deepEqual(keptBody(Buffer.from(body)), keptBody(body), 'a Buffer and its text are the same body');
	});

	it('cuts a long body to at most KEPT_PREFIX_BYTES on a character boundary; size and hash are of the whole', () => {
		// 'é' is two bytes: an odd prefix length would split one.
		const body = `x${'é'.repeat(5000)}`;
		const kept = keptBody(body);
		assert.equal(kept.cut, true);
		assert.ok(Buffer.byteLength(kept.text) <= KEPT_PREFIX_BYTES && Buffer.byteLength(kept.text) >= KEPT_PREFIX_BYTES - 3);
		assert.ok(body.startsWith(kept.text), 'no replacement character at the cut');
		assert.equal(kept.bytes, Buffer.byteLength(body));
		assert.equal(kept.sha256, createHash('sha256').update(body).digest('hex'));
	});

	it('replaces NUL in the kept text (PostgreSQL text cannot hold it), hashing the bytes as sent', () => {
		const kept = keptBody('a\0b');
		assert.deepEqual([kept.text, kept.bytes, kept.sha256], ['a\uFFFDb', 3, createHash('sha256').update('a\0b').digest('hex')]);
	});

	it('wholeBody keeps everything, however large', () => {
		const body = 'y'.repeat(3 * KEPT_PREFIX_BYTES);
		assert.deepEqual([wholeBody(body).text.length, wholeBody(body).cut], [body.length, false]);
	});
});
