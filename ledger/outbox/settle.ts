import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import type { NewLedgerEvent } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { recordEventsChunked } from './entry';
import { settleByServedLaunch } from './served';
import { REFERRAL_FIELDS_KIND, recordFieldsSentWithSync, type SentReferralFields } from '../referrals/fields';
import { sentReferralFields, wholeNumber } from './input';
import { outboxRetryDelay, parseRetryAfter, type RetryPolicy } from './retry';

/** Ack, fail and release: what a claim's holder reports back, proven by the claim token. */
export interface ClaimProof {
	id: string;
	claimToken: string;
}

/**
 * done: completed now. already_done: it was completed before (by this or another holder).
 * lease_lost: another worker claimed it after this lease expired, or it was released — this claim
 * no longer counts. not_found: no such entry in this launch.
 */
export type SettleOutcome = 'done' | 'already_done' | 'lease_lost' | 'not_found';

/** An ack: the claim proof, the vendor's record id, and the referral fields the step sent with an ESP sync (if it sent any). */
export type OutboxAck = ClaimProof & { responseId?: string | null; referralFieldsSent?: SentReferralFields | string | null };

export interface AckResult {
	id: string;
	outcome: SettleOutcome;
}

function proofOf(input: ClaimProof, field: string): ClaimProof {
	if (!input || typeof input !== 'object') throw new LedgerInputError(field, 'must be {id, claimToken} from a claimed entry');
	return { id: requiredText(input.id, `${field}.id`, 100), claimToken: requiredText(input.claimToken, `${field}.claimToken`, 100) };
}

async function settleFailure(tx: SqlExecutor, launch: string, id: string): Promise<SettleOutcome> {
	const [row] = await tx.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1 AND launch = $2', [id, launch]);
	if (!row) return 'not_found';
	return row.status === 'done' ? 'already_done' : 'lease_lost';
}

/**
 * Marks claimed entries done with the vendor's response id. Only the current lease holder's token
 * counts: a worker whose lease expired and was re-claimed by another gets `lease_lost`, so an entry
 * is completed once. (The vendor call itself may then have run twice — which is why the entry's
 * idempotency key goes to the vendor.)
 */
async function ackOutboxEntriesInLaunch(
	tx: SqlExecutor,
	launch: string,
	acks: readonly OutboxAck[],
	options: { now?: number } = {},
): Promise<AckResult[]> {
	const now = options.now ?? Date.now();
	// Every proof is checked before anything is written.
	const proofs = acks.map((ack, i) => ({
		...proofOf(ack, `entries[${i}]`),
		responseId: ack.responseId === undefined || ack.responseId === null || ack.responseId === '' ? null : String(ack.responseId),
		referralFieldsSent: sentReferralFields(ack.referralFieldsSent, `entries[${i}].referralFieldsSent`),
	}));
	// One UPDATE per chunk for the first ack of each entry (3 parameters per ack).
	const seen = new Set<string>();
	const firstOfEntry = proofs.filter((p) => !seen.has(p.id) && seen.add(p.id));
	const done = new Set<string>();
	for (let i = 0; i < firstOfEntry.length; i += SETTLE_CHUNK) {
		const params: SqlValue[] = [launch, now];
		const values = firstOfEntry.slice(i, i + SETTLE_CHUNK).map((p) => `(${inList([p.id, p.claimToken, p.responseId], params)})`);
		const rows = await tx.query<{ id: string }>(
			`WITH v(id, claim_token, response_id) AS (VALUES ${values.join(', ')})
			 UPDATE outbox SET status = 'done', response_id = v.response_id, claim_token = NULL, lease_until = NULL, updated_at = $2
			 FROM v
			 WHERE outbox.id = v.id AND outbox.launch = $1 AND outbox.claim_token = v.claim_token AND outbox.status = 'claimed'
			 RETURNING outbox.id`,
			params,
		);
		for (const r of rows) done.add(r.id);
	}
	const results: AckResult[] = [];
	for (const proof of proofs) {
		if (done.delete(proof.id)) {
			results.push({ id: proof.id, outcome: 'done' });
			continue;
		}
		// Not settled above (another holder, already done, unknown — or a repeat of an entry in this
		// list): the one-entry statement, in list order, gives exactly the one-by-one outcome.
		const n = await tx.execute(
			`UPDATE outbox SET status = 'done', response_id = $4, claim_token = NULL, lease_until = NULL, updated_at = $5
			 WHERE id = $1 AND launch = $2 AND claim_token = $3 AND status = 'claimed'`,
			[proof.id, launch, proof.claimToken, proof.responseId, now],
		);
		results.push({ id: proof.id, outcome: n === 1 ? 'done' : await settleFailure(tx, launch, proof.id) });
	}
	await recordReferralFieldsOfAcks(tx, launch, proofs, results, now);
	return results;
}

/** The referral fields that went out with the ESP syncs this ack completed (referrals/fields.ts). */
async function recordReferralFieldsOfAcks(tx: SqlExecutor, launch: string, proofs: readonly { id: string; referralFieldsSent: SentReferralFields | null }[], results: readonly AckResult[], now: number): Promise<void> {
	const completed = new Set(results.filter((r) => r.outcome === 'done').map((r) => r.id));
	const withFields = proofs.filter((p) => p.referralFieldsSent && completed.has(p.id));
	if (withFields.length === 0) return;
	const params: SqlValue[] = [launch, REFERRAL_FIELDS_KIND];
	const rows = await tx.query<{ id: string; contact_id: string | null }>(
		`SELECT id, contact_id FROM outbox WHERE launch = $1 AND kind = $2 AND id IN (${inList(withFields.map((p) => p.id), params)})`,
		params,
	);
	const contactOf = new Map(rows.map((r) => [r.id, r.contact_id]));
	for (const proof of withFields) {
		const contactId = contactOf.get(proof.id);
		if (contactId) await recordFieldsSentWithSync(tx, launch, contactId, proof.referralFieldsSent!, now);
	}
}

/** Acks per UPDATE statement. */
const SETTLE_CHUNK = 500;

export interface FailOutboxInput extends ClaimProof {
	/** What went wrong (kept as last_error; shown in the dead letter). */
	error: string;
	/** The vendor's Retry-After: seconds ("120", 120) or an HTTP date. Wins over the backoff. */
	retryAfter?: string | number | null;
	/** No point retrying (e.g. 400 Bad Request): dead-letter at once. */
	permanent?: boolean;
}

export interface FailResult {
	id: string;
	outcome: 'retry' | 'dead' | Exclude<SettleOutcome, 'done'>;
	attempts?: number;
	nextAttemptAt?: number;
}

/**
 * Records a failed attempt. The entry is retried after the vendor's Retry-After (plus up to 10 %
 * jitter, never less) or after the backoff; after its last attempt, or when `permanent`, it is dead.
 */
async function failOutboxEntriesInLaunch(
	tx: SqlExecutor,
	launch: string,
	failures: readonly FailOutboxInput[],
	options: RetryPolicy & { now?: number; source?: string } = {},
): Promise<FailResult[]> {
	const now = options.now ?? Date.now();
	const random = options.random ?? Math.random;
	const results: FailResult[] = [];
	const events: NewLedgerEvent[] = [];
	for (const [i, failure] of failures.entries()) {
		const proof = proofOf(failure, `entries[${i}]`);
		const error = typeof failure.error === 'string' && failure.error.trim() !== '' ? failure.error.trim().slice(0, 4000) : 'failed without a message';
		const retryAfterMs = parseRetryAfter(failure.retryAfter, now, `entries[${i}].retryAfter`);
		const [row] = await tx.query<{ attempts: number; max_attempts: number; contact_id: string | null; kind: string }>(
			`SELECT attempts, max_attempts, contact_id, kind FROM outbox WHERE id = $1 AND launch = $2 AND claim_token = $3 AND status = 'claimed'${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
			[proof.id, launch, proof.claimToken],
		);
		if (!row) {
			const outcome = await settleFailure(tx, launch, proof.id);
			results.push({ id: proof.id, outcome: outcome === 'already_done' ? 'already_done' : outcome === 'not_found' ? 'not_found' : 'lease_lost' });
			continue;
		}
		const attempts = Number(row.attempts);
		if (failure.permanent || attempts >= Number(row.max_attempts)) {
			await tx.execute(
				`UPDATE outbox SET status = 'dead', last_error = $2, claim_token = NULL, lease_until = NULL, updated_at = $3 WHERE id = $1`,
				[proof.id, error, now],
			);
			events.push({
				launch,
				contactId: row.contact_id,
				type: 'outbox.dead',
				source: options.source,
				data: { entryId: proof.id, kind: row.kind, attempts, error, reason: failure.permanent ? 'permanent failure' : 'last attempt failed' },
				at: now,
			});
			results.push({ id: proof.id, outcome: 'dead', attempts });
			continue;
		}
		const delay = retryAfterMs !== null ? retryAfterMs + Math.round(random() * retryAfterMs * 0.1) : outboxRetryDelay(attempts, { ...options, random });
		const nextAttemptAt = now + delay;
		await tx.execute(
			`UPDATE outbox SET status = 'failed', last_error = $2, next_attempt_at = $3, claim_token = NULL, lease_until = NULL, updated_at = $4 WHERE id = $1`,
			[proof.id, error, nextAttemptAt, now],
		);
		results.push({ id: proof.id, outcome: 'retry', attempts, nextAttemptAt });
	}
	await recordEventsChunked(tx, events);
	return results;
}

/**
 * Gives claimed entries back without counting an attempt (the worker did not get to them), due
 * again after `delayMs`.
 */
async function releaseOutboxEntriesInLaunch(
	tx: SqlExecutor,
	launch: string,
	releases: readonly (ClaimProof & { delayMs?: number })[],
	options: { delayMs?: number; now?: number } = {},
): Promise<AckResult[]> {
	const now = options.now ?? Date.now();
	const defaultDelay = wholeNumber(options.delayMs, 'delayMs', 0, 86_400_000, 0);
	const results: AckResult[] = [];
	for (const [i, release] of releases.entries()) {
		const proof = proofOf(release, `entries[${i}]`);
		const delay = wholeNumber(release.delayMs, `entries[${i}].delayMs`, 0, 86_400_000, defaultDelay);
		const n = await tx.execute(
			`UPDATE outbox SET status = CASE WHEN attempts > 1 THEN 'failed' ELSE 'pending' END, attempts = attempts - 1,
				next_attempt_at = $4, claim_token = NULL, lease_until = NULL, updated_at = $5
			 WHERE id = $1 AND launch = $2 AND claim_token = $3 AND status = 'claimed'`,
			[proof.id, launch, proof.claimToken, now + delay, now],
		);
		results.push({ id: proof.id, outcome: n === 1 ? 'done' : await settleFailure(tx, launch, proof.id) });
	}
	return results;
}

/** Acks under the drain's launch; entries of its open checklist runs' test launches in theirs (served.ts). */
export function ackOutboxEntries(tx: SqlExecutor, launch: string, acks: readonly OutboxAck[], options: { now?: number } = {}): Promise<AckResult[]> {
	return settleByServedLaunch(tx, launch, acks, (target, group) => ackOutboxEntriesInLaunch(tx, target, group, options));
}

export function failOutboxEntries(tx: SqlExecutor, launch: string, failures: readonly FailOutboxInput[], options: RetryPolicy & { now?: number; source?: string } = {}): Promise<FailResult[]> {
	return settleByServedLaunch(tx, launch, failures, (target, group) => failOutboxEntriesInLaunch(tx, target, group, options));
}

export function releaseOutboxEntries(tx: SqlExecutor, launch: string, releases: readonly (ClaimProof & { delayMs?: number })[], options: { delayMs?: number; now?: number } = {}): Promise<AckResult[]> {
	return settleByServedLaunch(tx, launch, releases, (target, group) => releaseOutboxEntriesInLaunch(tx, target, group, options));
}
