import { randomUUID } from 'node:crypto';

import { currentContact } from '../contacts/records';
import { enqueueOutboxEntries } from '../outbox/enqueue';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { referralCodesOf } from './codes';
import { placeInLine } from './line';

/**
 * The referral custom fields an ESP sync carries (`referral_link`, `place_in_line`, `referral_count`),
 * as the ledger has them when the sync is claimed. The link is the code on the creator's landing page
 * (the claiming node knows that address); the rest is the ledger's.
 */
export interface ReferralFields {
	code: string;
	placeInLine: number;
	/** People in the line (not sent as a field; for a message such as "#12 of 480"). */
	of: number;
	referralCount: number;
}

/** The outbox kind that carries the fields: a whole-record upsert at the ESP (outbox/supersede.ts). */
export const REFERRAL_FIELDS_KIND = 'esp_sync';
/** Marks one drain run turns into syncs at most; the rest wait for the next run. */
export const MARKS_PER_DRAIN = 1000;
/** ESP syncs not yet handed out: whichever run claims one sends the values of that moment. */
const WAITING_STATUSES = ['pending', 'failed', 'waiting', 'held', 'flagged'];

/** A contact's fields now, or null when it has no code or is not in the line. */
export async function currentFields(tx: SqlExecutor, launch: string, contactId: string): Promise<ReferralFields | null> {
	const [code] = await referralCodesOf(tx, contactId);
	const place = code ? await placeInLine(tx, launch, contactId) : null;
	return code && place ? { code, placeInLine: place.place, of: place.of, referralCount: place.entry.credits } : null;
}

type SentRow = { contact_id: string; code: string; place: number | string; referral_count: number | string };

async function fieldsSent(tx: SqlExecutor, launch: string, contactIds: readonly string[]): Promise<Map<string, SentRow>> {
	const params: SqlValue[] = [launch];
	const rows = await tx.query<SentRow>(`SELECT contact_id, code, place, referral_count FROM referral_fields_sent WHERE launch = $1 AND contact_id IN (${inList([...contactIds], params)})`, params);
	return new Map(rows.map((r) => [r.contact_id, r]));
}

const sameAsSent = (fields: ReferralFields, sent: SentRow | undefined) =>
	sent !== undefined && sent.code === fields.code && Number(sent.place) === fields.placeInLine && Number(sent.referral_count) === fields.referralCount;

/** Contacts among `ids` with an ESP sync in one of `statuses` (locked on PostgreSQL until the commit). */
async function contactsWithSync(tx: SqlExecutor, launch: string, ids: readonly string[], condition: string, extra: SqlValue[], lock: boolean): Promise<Set<string>> {
	const params: SqlValue[] = [launch, REFERRAL_FIELDS_KIND, ...extra];
	const rows = await tx.query<{ contact_id: string }>(
		`SELECT contact_id FROM outbox WHERE launch = $1 AND kind = $2 AND ${condition} AND contact_id IN (${inList([...ids], params)})${lock && tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
		params,
	);
	return new Set(rows.map((r) => r.contact_id));
}

/**
 * An ESP drain's first step (in its claim's transaction): takes the launch's field marks and gives each
 * marked contact whose fields differ from what the ESP was last handed one ESP sync — unless one is
 * already waiting to be claimed (it will carry the values of its claim). A contact whose sync is being
 * sent right now keeps its mark for a later run, so two updates of one person never travel at once
 * (nor arrive out of order). PostgreSQL: marks are taken FOR UPDATE SKIP LOCKED, so concurrent drains
 * take each once; SQLite: drains run one after another. Returns how many syncs were queued.
 */
export async function queueReferralFieldUpdates(tx: SqlExecutor, launch: string, now: number): Promise<number> {
	const skipLocked = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
	const marks = await tx.query<{ contact_id: string }>(`SELECT contact_id FROM referral_field_changes WHERE launch = $1 ORDER BY marked_at, contact_id LIMIT ${MARKS_PER_DRAIN}${skipLocked}`, [launch]);
	if (marks.length === 0) return 0;
	const ids = marks.map((m) => m.contact_id);
	// Waiting first (it locks, and waits out a claim in progress), then in flight (sees that claim).
	const waiting = await contactsWithSync(tx, launch, ids, `(status IN (${WAITING_STATUSES.map((s) => `'${s}'`).join(', ')}) OR (status = 'claimed' AND lease_until <= $3))`, [now], true);
	const inFlight = await contactsWithSync(tx, launch, ids, `status = 'claimed' AND lease_until > $3`, [now], false);
	const taken = ids.filter((id) => !inFlight.has(id));
	if (taken.length === 0) return 0;
	const params: SqlValue[] = [launch];
	await tx.execute(`DELETE FROM referral_field_changes WHERE launch = $1 AND contact_id IN (${inList(taken, params)})`, params);

	const candidates = taken.filter((id) => !waiting.has(id));
	if (candidates.length === 0) return 0;
	const activeParams: SqlValue[] = [];
	const activeRows = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE status = 'active' AND id IN (${inList(candidates, activeParams)})`, activeParams);
	const active = new Set(activeRows.map((r) => r.id));
	const sent = await fieldsSent(tx, launch, candidates);
	const changed: string[] = [];
	for (const contactId of candidates) {
		if (!active.has(contactId)) continue;
		const fields = await currentFields(tx, launch, contactId);
		if (fields && !sameAsSent(fields, sent.get(contactId))) changed.push(contactId);
	}
	const batch = randomUUID().slice(0, 8);
	await enqueueOutboxEntries(
		tx,
		changed.map((contactId) => ({
			launch,
			kind: REFERRAL_FIELDS_KIND,
			idempotencyKey: `referral-fields:${contactId}:${now}:${batch}`,
			contactId,
			payload: { reason: 'referral_fields' },
			// Due at the claim's own time, so the claim that queued it may take it at once.
			availableAt: now,
			source: 'referrals',
		})),
	);
	return changed.length;
}

/**
 * The fields for claimed ESP syncs (by entry contact id; a merged-away contact's entry gets its
 * survivor's), recorded as handed to the ESP. Contacts outside the line get none.
 */
export async function referralFieldsForClaim(tx: SqlExecutor, launch: string, contactIds: readonly string[], now: number): Promise<Map<string, ReferralFields>> {
	const found = new Map<string, ReferralFields>();
	for (const contactId of new Set(contactIds)) {
		const contact = await currentContact(tx, contactId);
		if (!contact || contact.status !== 'active' || contact.launch !== launch) continue;
		const fields = await currentFields(tx, launch, contact.id);
		if (!fields) continue;
		found.set(contactId, fields);
		await recordFieldsSent(tx, launch, contact.id, fields, now);
	}
	return found;
}

/** What the ESP was last handed for a contact: a drain compares with it before sending again. */
async function recordFieldsSent(tx: SqlExecutor, launch: string, contactId: string, fields: SentReferralFields, now: number): Promise<void> {
	await tx.execute(
		`INSERT INTO referral_fields_sent (launch, contact_id, code, place, referral_count, sent_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (launch, contact_id) DO UPDATE SET code = excluded.code, place = excluded.place, referral_count = excluded.referral_count, sent_at = excluded.sent_at`,
		[launch, contactId, fields.code, fields.placeInLine, fields.referralCount, now],
	);
}

/** The fields a vendor step reports it sent with an ESP sync (the signup run's own Kit call). */
export type SentReferralFields = Pick<ReferralFields, 'code' | 'placeInLine' | 'referralCount'>;

/**
 * An ESP sync acked with the referral fields its step sent (the signup template's Kit call carries
 * them, from the trigger's item): recorded as handed to the ESP, so the drain's comparison
 * (queueReferralFieldUpdates) finds nothing new and the person gets one ESP write, not two. Only what
 * the step says it sent is recorded: a step that sends no fields acks without them and the drain
 * sends them as before.
 */
export async function recordFieldsSentWithSync(tx: SqlExecutor, launch: string, entryContactId: string, fields: SentReferralFields, now: number): Promise<void> {
	const contact = await currentContact(tx, entryContactId);
	if (!contact || contact.launch !== launch) return;
	await recordFieldsSent(tx, launch, contact.id, fields, now);
}
