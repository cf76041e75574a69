import { recordEvents, type NewLedgerEvent } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { applySystemTag, HOLDING_TAG } from '../system-tags';
import { getPauseState, holdsKind } from './kill-switch';

/**
 * Phone-first signups. An ESP cannot take a person without an email, so an ESP sync for a contact
 * that has none **waits** (status `waiting`: not failed, not dead, never claimed) instead of failing
 * its attempts away. A contact keeps at most one waiting entry per kind: every sync sends the contact
 * as it is when it goes out, so one is enough. When an email is linked to the contact (a later signup,
 * Waitlist Contact → Link or Upsert, a merge), the waiting entry wakes: pending (or held, while the
 * kill switch holds its kind) and due at once — it goes out once, with the contact's first touch.
 */
export const EMAIL_KINDS: readonly string[] = ['esp_sync'];

/** Marks a woken entry's payload, so the signup that linked the email can adopt it (see adoptWokenSync). */
const WOKEN_REASON = 'email_linked';

/** Of these contacts, those with no email (they exist and their email column is empty). */
export async function contactsWithoutEmail(tx: SqlExecutor, contactIds: readonly string[]): Promise<Set<string>> {
	const unique = [...new Set(contactIds)];
	const found = new Set<string>();
	for (let i = 0; i < unique.length; i += 500) {
		const params: SqlValue[] = [];
		const rows = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE email IS NULL AND id IN (${inList(unique.slice(i, i + 500), params)})`, params);
		for (const r of rows) found.add(r.id);
	}
	return found;
}

/** The waiting entry of this kind for the contact, if any (the one a second phone-only signup joins). */
export async function waitingEntry(tx: SqlExecutor, launch: string, contactId: string, kind: string): Promise<{ id: string } | null> {
	const [row] = await tx.query<{ id: string }>(
		`SELECT id FROM outbox WHERE launch = $1 AND contact_id = $2 AND kind = $3 AND status = 'waiting' ORDER BY seq LIMIT 1`,
		[launch, contactId, kind],
	);
	return row ?? null;
}

/**
 * Wakes the contact's waiting entries once it has an email: the oldest per kind becomes pending (held
 * while paused), due now; any others of that kind are settled as superseded by it (they would send the
 * same contact). Runs in the transaction that linked the email. Returns the entries woken.
 */
export async function wakeWaitingSyncs(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; source?: string; now?: number },
): Promise<Array<{ id: string; kind: string; status: 'pending' | 'held' }>> {
	const now = input.now ?? Date.now();
	const rows = await tx.query<{ id: string; kind: string; payload: string }>(
		`SELECT id, kind, payload FROM outbox WHERE launch = $1 AND contact_id = $2 AND status = 'waiting' ORDER BY seq${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
		[input.launch, input.contactId],
	);
	if (rows.length === 0 || (await contactsWithoutEmail(tx, [input.contactId])).size > 0) return [];
	const { scope } = await getPauseState(tx, input.launch);
	const woken: Array<{ id: string; kind: string; status: 'pending' | 'held' }> = [];
	const events: NewLedgerEvent[] = [];
	for (const row of rows) {
		const first = woken.find((w) => w.kind === row.kind);
		if (first) {
			await tx.execute(`UPDATE outbox SET status = 'done', response_id = $2, updated_at = $3 WHERE id = $1`, [row.id, `superseded by ${first.id}`, now]);
			events.push({ launch: input.launch, contactId: input.contactId, type: 'outbox.superseded', source: input.source, data: { entryId: row.id, kind: row.kind, supersededBy: first.id }, at: now });
			continue;
		}
		const status = holdsKind(scope, row.kind) ? 'held' : 'pending';
		const payload = { ...(JSON.parse(row.payload) as Record<string, unknown>), reason: WOKEN_REASON, waitedFor: 'email' };
		await tx.execute(`UPDATE outbox SET status = $2, payload = $3, next_attempt_at = $4, updated_at = $4 WHERE id = $1`, [row.id, status, JSON.stringify(payload), now]);
		woken.push({ id: row.id, kind: row.kind, status });
		events.push({ launch: input.launch, contactId: input.contactId, type: 'outbox.woken', source: input.source, data: { entryId: row.id, kind: row.kind, status }, at: now });
	}
	await recordEvents(tx, events);
	if (woken.some((w) => w.status === 'held')) await applySystemTag(tx, { launch: input.launch, contactIds: [input.contactId], tag: HOLDING_TAG, kind: 'segment', source: 'kill-switch' });
	return woken;
}

/**
 * A signup that linked the email (and so woke the waiting sync in its own upsert) takes that entry as
 * its sync of this kind instead of adding a second one: the entry is re-keyed to the signup's key, so
 * the same signup arriving in another process at the same moment finds the key taken and adds nothing.
 * Returns the adopted entry (pending, or held while the kill switch holds it), or null when there is none.
 */
export async function adoptWokenSync(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; kind: string; idempotencyKey: string },
): Promise<{ id: string; status: 'pending' | 'held' } | null> {
	if (!EMAIL_KINDS.includes(input.kind)) return null;
	const rows = await tx.query<{ id: string; payload: string; status: 'pending' | 'held' }>(
		`SELECT id, payload, status FROM outbox WHERE launch = $1 AND contact_id = $2 AND kind = $3 AND status IN ('pending', 'held') AND attempts = 0 ORDER BY seq DESC`,
		[input.launch, input.contactId, input.kind],
	);
	const woken = rows.find((r) => (JSON.parse(r.payload) as { reason?: unknown }).reason === WOKEN_REASON);
	if (!woken) return null;
	const [taken] = await tx.query<{ id: string }>('SELECT id FROM outbox WHERE launch = $1 AND idempotency_key = $2', [input.launch, input.idempotencyKey]);
	if (taken) return null;
	// Adopted once: the payload no longer says woken, so a later signup adds its own entry as usual.
	const payload = { ...(JSON.parse(woken.payload) as Record<string, unknown>), reason: 'signup_update' };
	await tx.execute('UPDATE outbox SET idempotency_key = $2, payload = $3 WHERE id = $1', [woken.id, input.idempotencyKey, JSON.stringify(payload)]);
	return { id: woken.id, status: woken.status };
}
