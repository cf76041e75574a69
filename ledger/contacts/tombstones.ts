import { createHmac, randomBytes } from 'node:crypto';

import { ForgottenIdentityError, LedgerInputError } from '../errors';
import { normalizeIdentifier, type NormalizedIdentifier } from '../normalize';
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
 * Refuses an entry that names a forgotten identifier. Forget stays forgotten: whenever the entry was
 * received (an old entry replayed, a new signup, a late payment event), it is not applied and
 * creates no contact — the tombstone is the person's "do not keep me" for this launch.
 */
export async function assertNotForgotten(tx: SqlExecutor, launch: string, ids: readonly { kind: string; value: string }[]): Promise<void> {
	const kind = await forgottenKindOf(tx, launch, ids);
	if (kind) throw new ForgottenIdentityError(launch, kind);
}

/** The kind of the first of these (normalized) identifiers that was ever forgotten in the launch, or null. */
export async function forgottenKindOf(tx: SqlExecutor, launch: string, ids: readonly { kind: string; value: string }[]): Promise<string | null> {
	if (ids.length === 0) return null;
	const key = await existingKey(tx);
	return key === null ? null : firstForgotten(tx, key, launch, ids);
}

async function existingKey(tx: SqlExecutor): Promise<string | null> {
	const [row] = await tx.query<{ secret: string }>(`SELECT secret FROM ledger_keys WHERE name = 'tombstone'`);
	return row?.secret ?? null; // none: nothing was ever forgotten in this ledger
}

async function firstForgotten(tx: SqlExecutor, key: string, launch: string, ids: readonly { kind: string; value: string }[]): Promise<string | null> {
	for (const id of ids) {
		const [row] = await tx.query('SELECT 1 AS one FROM forgotten_identifiers WHERE launch = $1 AND kind = $2 AND hash = $3', [launch, id.kind, tombstoneHash(key, launch, id.kind, id.value)]);
		if (row) return id.kind;
	}
	return null;
}

/** Which of these normalized values of one kind were ever forgotten in the launch (one query per 500). */
export async function forgottenValuesAmong(tx: SqlExecutor, launch: string, kind: string, values: readonly string[]): Promise<Set<string>> {
	const forgotten = new Set<string>();
	if (values.length === 0) return forgotten;
	const key = await existingKey(tx);
	if (key === null) return forgotten;
	const byHash = new Map(values.map((v) => [tombstoneHash(key, launch, kind, v), v]));
	const hashes = [...byHash.keys()];
	for (let i = 0; i < hashes.length; i += 500) {
		const chunk = hashes.slice(i, i + 500);
		const rows = await tx.query<{ hash: string }>(
			`SELECT hash FROM forgotten_identifiers WHERE launch = $1 AND kind = $2 AND hash IN (${chunk.map((_, j) => `$${j + 3}`).join(', ')})`,
			[launch, kind, ...chunk],
		);
		for (const r of rows) forgotten.add(byHash.get(r.hash)!);
	}
	return forgotten;
}

/**
 * The same check for values as a sender typed them (a webhook body, a refused form): each is
 * normalized the way the launch stores it (`readOptions`: its settings, read only when something
 * was ever forgotten); one that cannot be read names no one.
 */
export async function forgottenKindAmong(
	tx: SqlExecutor,
	launch: string,
	values: readonly { kind: string; value: unknown }[],
	readOptions: () => Promise<{ defaultCountry?: string; gmail?: boolean }>,
): Promise<string | null> {
	const present = values.filter((v) => v.value !== undefined && v.value !== null && v.value !== '');
	if (present.length === 0) return null;
	const key = await existingKey(tx);
	if (key === null) return null;
	const options = await readOptions();
	const ids: NormalizedIdentifier[] = [];
	for (const { kind, value } of present) {
		try {
			ids.push(normalizeIdentifier(kind, value, options));
		} catch (e) {
			if (!(e instanceof LedgerInputError)) throw e;
		}
	}
	return firstForgotten(tx, key, launch, ids);
}
