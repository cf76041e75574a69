import { createHmac, randomBytes } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import type { NormalizedIdentifier } from '../normalize';
import type { SqlExecutor } from '../store';

/**
 * Forget (erase). Personal data is removed from contacts, identifiers, event payloads, review items,
 * tags and outbox payloads; what stays is an HMAC tombstone per identifier, so a replay of an old
 * entry cannot bring the person back, while a fresh signup by them starts a new contact.
 */

/** Thrown when a replayed (or back-dated) write targets a forgotten person. Not an input error: the
 * caller should drop the entry as done. */
export class ForgottenIdentityError extends Error {
	readonly code = 'forgotten';
	constructor(
		readonly launch: string,
		readonly kind: string,
	) {
		super(`a ${kind} in this entry belongs to a person who was forgotten in launch "${launch}"; the entry is not applied`);
		this.name = 'ForgottenIdentityError';
	}
}

const REDACTED = JSON.stringify({ redacted: true });

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

export interface ForgetContext {
	launch: string;
	/** The forgotten contact and every contact merged into it. */
	contactIds: string[];
	/** Normalized and display values of their identifiers, for modules that must search payloads. */
	values: string[];
	at: number;
}

/**
 * Modules that keep personal data in their own tables (purchases, inbox …) register a step that
 * redacts it; forget runs every step in its transaction.
 */
export type ForgetStep = (tx: SqlExecutor, context: ForgetContext) => Promise<void>;
const forgetSteps = new Map<string, ForgetStep>();

export function registerForgetStep(name: string, step: ForgetStep): void {
	forgetSteps.set(name, step);
}

function placeholders(values: readonly unknown[], offset = 0): string {
	return values.map((_, i) => `$${i + 1 + offset}`).join(', ');
}

/** Erases a person: the contact (followed to where it was merged) and every contact merged into it. */
export async function forgetContact(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; source?: string },
): Promise<{ contactIds: string[]; identifiersForgotten: number }> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	let rootId = input.contactId;
	for (let hops = 0; ; hops++) {
		const [row] = await tx.query<{ launch: string; status: string; merged_into: string | null }>(`SELECT launch, status, merged_into FROM contacts WHERE id = $1${lock}`, [rootId]);
		if (!row || row.launch !== input.launch) throw new LedgerInputError('contactId', `no contact "${input.contactId}" in launch "${input.launch}"`);
		if (row.status === 'forgotten') throw new LedgerInputError('contactId', `contact ${rootId} is already forgotten`);
		if (row.status !== 'merged' || !row.merged_into || hops > 50) break;
		rootId = row.merged_into;
	}
	// Everyone merged into the root is the same person.
	const group = [rootId];
	for (let i = 0; i < group.length; i++) {
		const merged = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE merged_into = $1${lock}`, [group[i]!]);
		for (const m of merged) if (!group.includes(m.id)) group.push(m.id);
	}
	const inGroup = placeholders(group);
	const ids = await tx.query<{ kind: string; value: string; display_value: string | null }>(
		`SELECT kind, value, display_value FROM identifiers WHERE contact_id IN (${inGroup})`,
		group,
	);
	const contacts = await tx.query<{ email: string | null; phone: string | null }>(`SELECT email, phone FROM contacts WHERE id IN (${inGroup})`, group);
	const values = [...new Set([...ids.flatMap((i) => [i.value, i.display_value ?? '']), ...contacts.flatMap((c) => [c.email ?? '', c.phone ?? ''])].filter((v) => v !== ''))];
	const now = Date.now();
	const key = await tombstoneKey(tx);
	for (const id of ids) {
		await tx.execute(
			`INSERT INTO forgotten_identifiers (launch, kind, hash, forgotten_at) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (launch, kind, hash) DO UPDATE SET forgotten_at = excluded.forgotten_at`,
			[input.launch, id.kind, tombstoneHash(key, input.launch, id.kind, id.value), now],
		);
	}
	await tx.execute(`DELETE FROM identifiers WHERE contact_id IN (${inGroup})`, group);
	await tx.execute(
		`UPDATE contacts SET status = 'forgotten', email = NULL, phone = NULL, profile = '{}', field_times = '{}', first_touch = NULL,
		        last_touch = NULL, consent = NULL, updated_at = $${group.length + 1} WHERE id IN (${inGroup})`,
		[...group, now],
	);
	await tx.execute(`DELETE FROM contact_tags WHERE contact_id IN (${inGroup})`, group);
	await tx.execute(`DELETE FROM tag_quarantine WHERE contact_id IN (${inGroup})`, group);
	await tx.execute(`UPDATE events SET data = $${group.length + 1} WHERE contact_id IN (${inGroup})`, [...group, REDACTED]);
	// Other contacts' events can mention this person (a review opened on someone else's link attempt).
	for (const id of group) {
		await tx.execute(`UPDATE events SET data = $1 WHERE launch = $2 AND data LIKE $3`, [REDACTED, input.launch, `%${id}%`]);
	}
	await tx.execute(
		`UPDATE review_items SET payload = $${group.length + 1}, status = 'resolved', resolution = COALESCE(resolution, 'contact forgotten'),
		        resolved_at = COALESCE(resolved_at, $${group.length + 2})
		  WHERE contact_id IN (${inGroup}) OR other_contact_id IN (${inGroup})`,
		[...group, REDACTED, now],
	);
	// Vendor payloads (ESP/CRM sync) carry emails; the entry stays for the outbox's own bookkeeping.
	await tx.execute(`UPDATE outbox SET payload = $${group.length + 1}, last_error = NULL WHERE contact_id IN (${inGroup})`, [...group, REDACTED]);
	const context: ForgetContext = { launch: input.launch, contactIds: group, values, at: now };
	for (const step of forgetSteps.values()) await step(tx, context);
	await recordEvents(tx, [
		{ launch: input.launch, contactId: rootId, type: 'contact.forgotten', source: input.source, data: { contacts: group.length, identifiers: ids.length }, at: now },
	]);
	return { contactIds: group, identifiersForgotten: ids.length };
}
