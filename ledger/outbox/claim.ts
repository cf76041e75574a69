import { randomUUID } from 'node:crypto';

import { servedLaunches } from '../checklist/routing';
import { requiredText } from '../checks';
import { markReferralFields } from '../referrals/field-marks';
import { queueReferralFieldUpdates, referralFieldsForClaim, REFERRAL_FIELDS_KIND, type ReferralFields } from '../referrals/fields';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { COLUMNS, recordEventsChunked, toEntry, type ClaimedOutboxEntry, type OutboxRow } from './entry';
import { kindList, wholeNumber } from './input';
import { GRANT_KINDS, getPauseState } from './kill-switch';

const MAX_CLAIM_BATCH = 1000;

export interface ClaimOutboxInput {
	launch: string;
	/** Only these kinds (e.g. ["esp_sync"] for a drain that talks to the ESP); all kinds by default. */
	kinds?: string[] | string;
	/** How many entries at most (1–1000): one vendor batch call's worth. */
	limit: number;
	/** How long the claim holds (ms, 1 s – 24 h). After it, another worker may claim the entry again. */
	leaseMs: number;
	/** Who claims, for the record (an n8n execution id, a host name …). */
	workerId: string;
	/** The current time (epoch ms); for tests and clock control. */
	now?: number;
	/** Only these entries (e.g. the sync entries a signup just created, claimed by its own run). */
	ids?: readonly string[];
}

/**
 * Hands out due entries — pending, failed and due for retry, or claimed with an expired lease — each
 * with a fresh claim token. PostgreSQL: the rows are locked with FOR UPDATE SKIP LOCKED inside this
 * transaction, so parallel claimers pass over each other's rows instead of taking them twice.
 * SQLite: the transaction is BEGIN IMMEDIATE, so claimers run one after another.
 * A claimed entry's next_attempt_at is its lease end, so "due" is one condition for both cases.
 */
export async function claimDueOutboxEntries(tx: SqlExecutor, input: ClaimOutboxInput): Promise<ClaimedOutboxEntry[]> {
	const launch = requiredText(input.launch, 'launch', 200);
	const limit = wholeNumber(input.limit, 'limit', 1, MAX_CLAIM_BATCH);
	const leaseMs = wholeNumber(input.leaseMs, 'leaseMs', 1000, 86_400_000);
	const workerId = requiredText(input.workerId, 'workerId', 200);
	const kinds = kindList(input.kinds);
	const now = input.now ?? Date.now();

	const { scope } = await getPauseState(tx, launch);
	const params: SqlValue[] = [launch, now];
	// The drain of a launch also delivers its open checklist runs' test work (checklist/routing.ts).
	const served = await servedLaunches(tx, launch);
	const launches = served.length === 1 ? 'launch = $1' : `launch IN ($1, ${inList(served.slice(1), params)})`;
	let filter = `${launches} AND status IN ('pending', 'failed', 'claimed') AND next_attempt_at <= $2`;
	if (kinds) filter += ` AND kind IN (${inList(kinds, params)})`;
	if (input.ids) filter += input.ids.length ? ` AND id IN (${inList([...input.ids], params)})` : ' AND 1 = 0';
	// While paused, only entries a person released by hand pass the switch.
	if (scope === 'all') filter += ' AND pause_exempt = 1';
	else if (scope === 'grants') filter += ` AND (pause_exempt = 1 OR kind NOT IN (${inList(GRANT_KINDS, params)}))`;

	await deadLetterExhaustedLeases(tx, launch, filter, params, now);
	// An ESP drain also sends referral fields that changed since its last run (referrals/fields.ts);
	// a signup run claiming its own entries (ids) does not.
	if (!input.ids && (!kinds || kinds.includes(REFERRAL_FIELDS_KIND))) await queueReferralFieldUpdates(tx, launch, now);

	const token = randomUUID();
	const leaseUntil = now + leaseMs;
	const at = params.length;
	params.push(token, workerId, leaseUntil, limit);
	const assignments = `status = 'claimed', claim_token = $${at + 1}, claimed_by = $${at + 2}, lease_until = $${at + 3},
		next_attempt_at = $${at + 3}, attempts = attempts + 1, updated_at = $2`;
	const rows =
		tx.dialect === 'postgres'
			? await tx.query<OutboxRow>(
					`WITH due AS MATERIALIZED (
						SELECT id FROM outbox WHERE ${filter} ORDER BY next_attempt_at, seq LIMIT $${at + 4} FOR UPDATE SKIP LOCKED
					)
					UPDATE outbox SET ${assignments} FROM due WHERE outbox.id = due.id
					RETURNING ${COLUMNS.split(', ').map((c) => `outbox.${c}`).join(', ')}`,
					params,
				)
			: await tx.query<OutboxRow>(
					`UPDATE outbox SET ${assignments}
					 WHERE id IN (SELECT id FROM outbox WHERE ${filter} ORDER BY next_attempt_at, seq LIMIT $${at + 4})
					 RETURNING ${COLUMNS}`,
					params,
				);
	const espContacts = rows.filter((r) => r.kind === REFERRAL_FIELDS_KIND && r.contact_id).map((r) => r.contact_id!);
	// A signup run taking its own entries (ids) sends the signup as its template has it, without the
	// referral fields: its contacts are marked, so the next ESP drain sends their fields.
	if (input.ids && espContacts.length) await markReferralFields(tx, launch, espContacts, now);
	const fields = espContacts.length && !input.ids ? await referralFieldsForClaim(tx, launch, espContacts, now) : new Map<string, ReferralFields>();
	return rows
		.map((r) => {
			const entry: ClaimedOutboxEntry = { ...toEntry(r), claimToken: token, leaseUntil };
			const referral = r.kind === REFERRAL_FIELDS_KIND && r.contact_id ? fields.get(r.contact_id) : undefined;
			return referral ? { ...entry, referralFields: referral } : entry;
		})
		.sort((a, b) => a.seq - b.seq);
}

/** An entry whose lease ran out on its last attempt is not handed out again: it goes to the dead letter. */
async function deadLetterExhaustedLeases(tx: SqlExecutor, launch: string, filter: string, filterParams: SqlValue[], now: number): Promise<void> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
	const rows = await tx.query<{ id: string; contact_id: string | null; kind: string; attempts: number; claimed_by: string | null }>(
		`UPDATE outbox SET status = 'dead', claim_token = NULL, lease_until = NULL, updated_at = $${filterParams.length + 1},
			last_error = 'lease expired on the last attempt (' || COALESCE(claimed_by, 'unknown worker') || ' neither acked nor failed it)'
		 WHERE id IN (SELECT id FROM outbox WHERE ${filter} AND status = 'claimed' AND attempts >= max_attempts${lock})
		 RETURNING id, contact_id, kind, attempts, claimed_by`,
		[...filterParams, now],
	);
	await recordEventsChunked(
		tx,
		rows.map((r) => ({
			launch,
			contactId: r.contact_id,
			type: 'outbox.dead',
			source: 'outbox',
			data: { entryId: r.id, kind: r.kind, attempts: Number(r.attempts), reason: 'lease expired on the last attempt', claimedBy: r.claimed_by },
			at: now,
		})),
	);
}
