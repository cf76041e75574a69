import type { Migration } from './sql';

/**
 * Campaign values stored before capture replaced NUL (ledger/normalize.ts replaceUntypeable) sit in
 * the touches' JSON as the escape \u0000, which PostgreSQL refuses to read out of JSON: one such
 * signup made the launch monitor's signals fail for its whole launch. The escape becomes U+FFFD's,
 * as a new signup stores it. The LIKE is only a cheap filter; REPLACE matches the escape (a value that
 * held a typed backslash followed by "u0000" would read U+FFFD there too: rare, and harmless).
 */
export const touchesWithoutNul: Migration = {
	version: 78,
	name: 'NUL escapes out of stored touches',
	statements: () => [
		`UPDATE contacts SET first_touch = REPLACE(first_touch, '\\u0000', '\\ufffd') WHERE first_touch LIKE '%u0000%'`,
		`UPDATE contacts SET last_touch = REPLACE(last_touch, '\\u0000', '\\ufffd') WHERE last_touch LIKE '%u0000%'`,
	],
};
