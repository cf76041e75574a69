import { createHmac, randomBytes } from 'node:crypto';

import { ForgottenIdentityError } from '../errors';
import type { NormalizedIdentifier } from '../normalize';
import type { SqlExecutor } from '../store';

/**
 * What stays of a forgotten identifier: an HMAC tombstone per (launch, kind, value), so a replay of an
 * old entry cannot bring the person back, while a fresh signup by them starts a new contact. The key
 * is made once per ledger and never leaves the database.
 */

async function tombstoneKey(tx: SqlExecutor): Promise<string> {
	const read = async () => (await tx.query<{ secret: string }>(`SELECT secret FROM ledger_keys WHERE name = 'tombstone'`))[0]?.secret;
	const existing = await read();
	if (existing) return existing;
	await tx.execute(`INSERT INTO ledger_keys (name, secret, created_at) VALUES ('tombstone', $1, $2) ON CONFLICT (name) DO NOTHING`, [
		randomBytes(32).toString('hex'),
		Date.now(),
	]);
	const created = await read();
	if (!created) throw new Error('could not create the tombstone key');
	return created;
}

function tombstoneHash(key: string, launch: string, kind: string, value: string): string {
	return createHmac('sha256', key).update(`${launch}\u0000${kind}\u0000${value}`).digest('hex');
}

/** Leaves a tombstone for each identifier (normalized values), forgotten at `at`. */
export async function writeTombstones(tx: SqlExecutor, launch: string, ids: readonly { kind: string; value: string }[], at: number): Promise<void> {
	const key = await tombstoneKey(tx);
	for (const id of ids) {
		await tx.execute(
			`INSERT INTO forgotten_identifiers (launch, kind, hash, forgotten_at) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (launch, kind, hash) DO UPDATE SET forgotten_at = excluded.forgotten_at`,
			[launch, id.kind, tombstoneHash(key, launch, id.kind, id.value), at],
		);
	}
}

/** When this identifier was last forgotten, or null. `normalizedValue` is as the ledger stores it. */
export async function forgottenAt(tx: SqlExecutor, launch: string, kind: string, normalizedValue: string): Promise<number | null> {
	const [key] = await tx.query<{ secret: string }>(`SELECT secret FROM ledger_keys WHERE name = 'tombstone'`);
	if (!key) return null; // nothing was ever forgotten in this ledger
	const [row] = await tx.query<{ forgotten_at: number }>('SELECT forgotten_at FROM forgotten_identifiers WHERE launch = $1 AND kind = $2 AND hash = $3', [
		launch,
		kind,
		tombstoneHash(key.secret, launch, kind, normalizedValue),
	]);
	return row ? Number(row.forgotten_at) : null;
}

/**
 * True when an entry carrying this identifier must not be applied: the identifier was forgotten,
 * and the entry was received before that (or, without `receivedAt`, at any time).
 */
export async function isForgotten(tx: SqlExecutor, launch: string, kind: string, normalizedValue: string, receivedAt?: number): Promise<boolean> {
	const at = await forgottenAt(tx, launch, kind, normalizedValue);
	if (at === null) return false;
	return receivedAt === undefined || receivedAt <= at;
}

/**
 * Refuses an upsert that would re-create a forgotten person. With `receivedAt`, data received up to
 * the forget time is refused and later data is a fresh signup. A replay without `receivedAt` is
 * refused unless the person has signed up again since (then it updates the new contact).
 */
export async function assertNotForgotten(
	tx: SqlExecutor,
	launch: string,
	ids: readonly NormalizedIdentifier[],
	options: { receivedAt?: number; replay?: boolean },
): Promise<void> {
	for (const id of ids) {
		const at = await forgottenAt(tx, launch, id.kind, id.value);
		if (at === null) continue;
		if (options.receivedAt !== undefined) {
			if (options.receivedAt <= at) throw new ForgottenIdentityError(launch, id.kind);
			continue;
		}
		if (!options.replay) continue;
		const [live] = await tx.query('SELECT 1 AS one FROM identifiers WHERE launch = $1 AND kind = $2 AND value = $3', [launch, id.kind, id.value]);
		if (!live) throw new ForgottenIdentityError(launch, id.kind);
	}
}
