import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import type { SqlExecutor } from '../store';
import { runForgetSteps, type ForgetContext, type ForgetStep } from './steps';
import { writeTombstones } from './tombstones';

/**
 * Forget (erase). Personal data is removed from contacts, identifiers, event payloads, review items
 * and tags here, and from other resources' tables by their forget steps; what stays is an HMAC
 * tombstone per identifier (tombstones.ts).
 */

const REDACTED = JSON.stringify({ redacted: true });

function placeholders(values: readonly unknown[], offset = 0): string {
	return values.map((_, i) => `$${i + 1 + offset}`).join(', ');
}

/** The contact a forget starts from, followed to where it was merged (locked on PostgreSQL). */
async function forgetRoot(tx: SqlExecutor, input: { launch: string; contactId: string }): Promise<string> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	let rootId = input.contactId;
	for (let hops = 0; ; hops++) {
		const [row] = await tx.query<{ launch: string; status: string; merged_into: string | null }>(`SELECT launch, status, merged_into FROM contacts WHERE id = $1${lock}`, [rootId]);
		if (!row || row.launch !== input.launch) throw new LedgerInputError('contactId', `no contact "${input.contactId}" in launch "${input.launch}"`);
		if (row.status === 'forgotten') throw new LedgerInputError('contactId', `contact ${rootId} is already forgotten`);
		if (row.status !== 'merged' || !row.merged_into || hops > 50) return rootId;
		rootId = row.merged_into;
	}
}

/** The root and everyone merged into it (transitively): the same person. */
async function mergedGroup(tx: SqlExecutor, rootId: string): Promise<string[]> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const group = [rootId];
	for (let i = 0; i < group.length; i++) {
		const merged = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE merged_into = $1${lock}`, [group[i]!]);
		for (const m of merged) if (!group.includes(m.id)) group.push(m.id);
	}
	return group;
}

/** Erases the contact's own rows: identifiers, profile, tags, quarantined tags, event payloads and review items. */
async function eraseContactRows(tx: SqlExecutor, launch: string, group: readonly string[], now: number): Promise<void> {
	const inGroup = placeholders(group);
	await tx.execute(`DELETE FROM identifiers WHERE contact_id IN (${inGroup})`, [...group]);
	await tx.execute(
		`UPDATE contacts SET status = 'forgotten', email = NULL, phone = NULL, profile = '{}', field_times = '{}', first_touch = NULL,
		        last_touch = NULL, consent = NULL, updated_at = $${group.length + 1} WHERE id IN (${inGroup})`,
		[...group, now],
	);
	await tx.execute(`DELETE FROM contact_tags WHERE contact_id IN (${inGroup})`, [...group]);
	await tx.execute(`DELETE FROM tag_quarantine WHERE contact_id IN (${inGroup})`, [...group]);
	await tx.execute(`UPDATE events SET data = $${group.length + 1} WHERE contact_id IN (${inGroup})`, [...group, REDACTED]);
	// Other contacts' events can mention this person (a review opened on someone else's link attempt).
	for (const id of group) {
		await tx.execute(`UPDATE events SET data = $1 WHERE launch = $2 AND data LIKE $3`, [REDACTED, launch, `%${id}%`]);
	}
	await tx.execute(
		`UPDATE review_items SET payload = $${group.length + 1}, status = 'resolved', resolution = COALESCE(resolution, 'contact forgotten'),
		        resolved_at = COALESCE(resolved_at, $${group.length + 2})
		  WHERE contact_id IN (${inGroup}) OR other_contact_id IN (${inGroup})`,
		[...group, REDACTED, now],
	);
}

export interface ForgetResult {
	contactIds: string[];
	identifiersForgotten: number;
	/**
	 * The identifier values that were erased (as stored and as typed), so the caller can find copies
	 * the ledger never held (n8n's execution history). Held in memory only: never put them in an
	 * item, a log or an error.
	 */
	erasedValues: string[];
}

/**
 * Erases a person: the contact (followed to where it was merged) and every contact merged into it,
 * then runs each resource's forget step (`steps`) in the same transaction.
 */
export async function forgetContact(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; source?: string },
	steps: readonly ForgetStep[],
): Promise<ForgetResult> {
	const rootId = await forgetRoot(tx, input);
	const group = await mergedGroup(tx, rootId);
	const inGroup = placeholders(group);
	const ids = await tx.query<{ kind: string; value: string; display_value: string | null }>(
		`SELECT kind, value, display_value FROM identifiers WHERE contact_id IN (${inGroup})`,
		group,
	);
	const contacts = await tx.query<{ email: string | null; phone: string | null }>(`SELECT email, phone FROM contacts WHERE id IN (${inGroup})`, group);
	const values = [...new Set([...ids.flatMap((i) => [i.value, i.display_value ?? '']), ...contacts.flatMap((c) => [c.email ?? '', c.phone ?? ''])].filter((v) => v !== ''))];
	const now = Date.now();
	await writeTombstones(tx, input.launch, ids, now);
	await eraseContactRows(tx, input.launch, group, now);
	const context: ForgetContext = { launch: input.launch, contactIds: group, values, at: now };
	await runForgetSteps(tx, steps, context);
	await recordEvents(tx, [
		{ launch: input.launch, contactId: rootId, type: 'contact.forgotten', source: input.source, data: { contacts: group.length, identifiers: ids.length }, at: now },
	]);
	return { contactIds: group, identifiersForgotten: ids.length, erasedValues: values };
}
