import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../../errors';
import { normalizeEmail } from '../../normalize';
import type { SqlExecutor } from '../types';
import type { Migration } from './sql';

/**
 * Email keys under the rules of issue 20 row 6 (ledger/normalize.ts): NFKC, the domain in ASCII
 * (punycode), no trailing dot. Plain ASCII keys do not change, so only keys with a non-ASCII
 * character or a trailing dot are read. Each is re-keyed in place; when its new key is already held
 * by another contact (the same person signed up both ways before), the old key stays and a
 * "possible_duplicate" review item asks a person to merge them. A key the new rules refuse (an
 * invisible character in it) stays as it is: its contact keeps it, and new signups typed that way
 * are refused.
 */
async function rekeyEmails(tx: SqlExecutor): Promise<void> {
	const changing = tx.dialect === 'postgres' ? "(value ~ '[^ -~]' OR value LIKE '%.')" : "(value GLOB '*[^ -~]*' OR value LIKE '%.')";
	const rows = await tx.query<{ launch: string; value: string; contact_id: string }>(
		`SELECT launch, value, contact_id FROM identifiers WHERE kind = 'email' AND ${changing} ORDER BY launch, value`,
	);
	for (const row of rows) {
		let key: string;
		try {
			key = normalizeEmail(row.value).value;
		} catch (error) {
			if (error instanceof LedgerInputError) continue;
			throw error;
		}
		if (key === row.value) continue;
		const [owner] = await tx.query<{ contact_id: string }>("SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = 'email' AND value = $2", [row.launch, key]);
		if (!owner) {
			await tx.execute("UPDATE identifiers SET value = $1 WHERE launch = $2 AND kind = 'email' AND value = $3", [key, row.launch, row.value]);
		} else if (owner.contact_id === row.contact_id) {
			await tx.execute("DELETE FROM identifiers WHERE launch = $1 AND kind = 'email' AND value = $2", [row.launch, row.value]);
		} else {
			await tx.execute(
				`INSERT INTO review_items (id, launch, kind, reason, contact_id, other_contact_id, payload, status, created_at)
				 VALUES ($1, $2, 'possible_duplicate', 'same_address_after_normalization', $3, $4, $5, 'open', $6)`,
				[randomUUID(), row.launch, row.contact_id, owner.contact_id, JSON.stringify({ kind: 'email', value: row.value, key }), Date.now()],
			);
		}
	}
}

export const emailKeys: Migration = {
	version: 5,
	name: 'email keys: NFKC, ASCII domain, no trailing dot',
	statements: () => [],
	run: rekeyEmails,
};
