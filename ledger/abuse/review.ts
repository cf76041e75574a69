import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import { releaseContactEntries } from '../outbox/release';
import { awaitingConfirmation, UNCONFIRMED_REASON } from '../optin/rules';
import { forUpdate, inList, type SqlExecutor, type SqlValue } from '../store';
import { getReferralCredit, setReferralCreditStatus } from '../referrals/credits';

/**
 * Holding a flagged signup's vendor syncs until a person decides, and the decision. An entry held for
 * review has status `flagged`: never claimed, not failed, not dead. Clear releases it (pending and due
 * now; held while the kill switch holds its kind; waiting again when its contact still has no email).
 * Confirm as spam discards it: nothing of a spam signup reaches the ESP or CRM.
 */

/** Moves these not-yet-attempted sync entries to `flagged`; returns the ids held. */
export async function holdSyncForReview(tx: SqlExecutor, input: { launch: string; contactId: string; entryIds: readonly string[]; source?: string; now: number }): Promise<string[]> {
	if (input.entryIds.length === 0) return [];
	const params: SqlValue[] = [input.now, input.launch, input.contactId];
	const held = await tx.query<{ id: string; kind: string }>(
		`UPDATE outbox SET status = 'flagged', updated_at = $1
		 WHERE launch = $2 AND contact_id = $3 AND status IN ('pending', 'held', 'waiting', 'unconfirmed') AND attempts = 0 AND id IN (${inList([...input.entryIds], params)})
		 RETURNING id, kind`,
		params,
	);
	if (held.length) {
		await recordEvent(tx, { launch: input.launch, contactId: input.contactId, type: 'outbox.flagged', source: input.source, data: { entryIds: held.map((h) => h.id), kinds: held.map((h) => h.kind) }, at: input.now });
	}
	return held.map((h) => h.id);
}

export type AbuseDecision = 'clear' | 'spam';

export interface AbuseDecisionResult {
	contactId: string;
	decision: AbuseDecision;
	/** The flags the decision settled. */
	signals: string[];
	/** Sync entries released (clear) or discarded (spam). */
	entryIds: string[];
}

/**
 * A person's decision on a flagged contact: every open flag becomes cleared or spam, and the syncs held
 * for review are released or discarded — one transaction, the flag rows locked, so a double click or
 * two people deciding at once settle it once (the second finds nothing open and is told so).
 */
export async function decideFlaggedContact(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; decision: AbuseDecision; by: string; reason?: string; source?: string; now?: number },
): Promise<AbuseDecisionResult> {
	const by = requiredText(input.by, 'by', 200);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	if (input.decision !== 'clear' && input.decision !== 'spam') throw new LedgerInputError('decision', 'must be "clear" or "spam"');
	const now = input.now ?? Date.now();
	const open = await tx.query<{ signal: string }>(
		`SELECT signal FROM abuse_flags WHERE launch = $1 AND contact_id = $2 AND status = 'open' ORDER BY signal${forUpdate(tx)}`,
		[input.launch, contactId],
	);
	if (open.length === 0) throw new LedgerInputError('contactId', `contact ${contactId} has no open abuse flag (already cleared or confirmed as spam by someone, or never flagged); reload the review desk`);
	const status = input.decision === 'clear' ? 'cleared' : 'spam';
	await tx.execute(`UPDATE abuse_flags SET status = $1, reviewed_by = $2, reviewed_at = $3 WHERE launch = $4 AND contact_id = $5 AND status = 'open'`, [status, by, now, input.launch, contactId]);
	const entryIds = input.decision === 'clear' ? await releaseHeldSync(tx, input.launch, contactId, now) : await discardHeldSync(tx, input.launch, contactId, now);
	await settleWithheldReferral(tx, { launch: input.launch, contactId, decision: input.decision, source: input.source, now });
	const signals = open.map((o) => o.signal);
	const type = input.decision === 'clear' ? 'abuse.cleared' : 'abuse.confirmed_spam';
	await recordEvent(tx, { launch: input.launch, contactId, type, source: input.source ?? 'review', data: { signals, by, reason: input.reason ?? null, entryIds }, at: now });
	return { contactId, decision: input.decision, signals, entryIds };
}

/**
 * The referral that brought a flagged person waited for this decision: cleared, it counts for the
 * referrer; spam, it stays withheld for good, saying why. Other withholdings (unconfirmed) stay as they are.
 */
async function settleWithheldReferral(tx: SqlExecutor, input: { launch: string; contactId: string; decision: AbuseDecision; source?: string; now: number }): Promise<void> {
	const credit = await getReferralCredit(tx, input.launch, input.contactId);
	if (!credit || credit.status !== 'withheld' || !credit.reason?.startsWith('flagged')) return;
	const { launch, contactId: referredId, now } = input;
	const source = input.source ?? 'review';
	// Cleared but still unconfirmed (double opt-in): it keeps waiting, now for the confirmation link.
	const unconfirmed = (await awaitingConfirmation(tx, launch, [referredId])).has(referredId);
	if (input.decision === 'clear' && unconfirmed) await setReferralCreditStatus(tx, { launch, referredId, to: 'withheld', reason: UNCONFIRMED_REASON, now, source });
	else if (input.decision === 'clear') await setReferralCreditStatus(tx, { launch, referredId, to: 'credited', now, source });
	else await setReferralCreditStatus(tx, { launch, referredId, to: 'withheld', reason: 'confirmed as spam on the review desk', now, source });
}

async function flaggedEntries(tx: SqlExecutor, launch: string, contactId: string): Promise<Array<{ id: string; kind: string }>> {
	return tx.query<{ id: string; kind: string }>(`SELECT id, kind FROM outbox WHERE launch = $1 AND contact_id = $2 AND status = 'flagged' ORDER BY seq${forUpdate(tx)}`, [launch, contactId]);
}

async function releaseHeldSync(tx: SqlExecutor, launch: string, contactId: string, now: number): Promise<string[]> {
	const entries = await flaggedEntries(tx, launch, contactId);
	return (await releaseContactEntries(tx, { launch, contactId, entries, now })).map((e) => e.id);
}

async function discardHeldSync(tx: SqlExecutor, launch: string, contactId: string, now: number): Promise<string[]> {
	const entries = await flaggedEntries(tx, launch, contactId);
	if (entries.length === 0) return [];
	const params: SqlValue[] = [now];
	await tx.execute(`UPDATE outbox SET status = 'discarded', response_id = 'confirmed as spam', updated_at = $1 WHERE id IN (${inList(entries.map((e) => e.id), params)})`, params);
	return entries.map((e) => e.id);
}
