import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, a 12-bit counter that keeps ids of one
 * process increasing within a millisecond, then 62 random bits. Still unguessable, but new ids sort
 * after old ones, so every index keyed by a contact id (the contacts primary key, identifiers,
 * contact_tags, events) grows at its right-hand end: consecutive writes share the same few pages
 * instead of each touching a random leaf, which is most of what a commit has to write.
 */
export function timeOrderedUuid(now = Date.now()): string {
	if (now > lastMs) {
		lastMs = now;
		counter = randomBytes(2).readUInt16BE(0) & 0x7ff; // random start, headroom to count up
	} else if (++counter > 0xfff) {
		lastMs++;
		counter = 0;
	}
	const bytes = randomBytes(16);
	bytes.writeUIntBE(lastMs, 0, 6);
	bytes[6] = 0x70 | (counter >> 8);
	bytes[7] = counter & 0xff;
	bytes[8] = 0x80 | (bytes[8]! & 0x3f);
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
