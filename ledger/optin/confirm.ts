import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import { releaseContactEntries } from '../outbox/release';
import { getReferralCredit, setReferralCreditStatus } from '../referrals/credits';
import { forUpdate, type SqlExecutor } from '../store';
import { UNCONFIRMED_REASON, type ConfirmationSender } from './rules';

export type ConfirmOutcome =
	| { outcome: 'confirmed'; contactId: string; releasedSync: string[]; referralReleased: boolean }
	| { outcome: 'already_confirmed'; contactId: string; confirmedAt: number }
	/** The contact never had to confirm (signed up while double opt-in was off). */
	| { outcome: 'not_required'; contactId: string };

/**
 * Confirms a contact's address, once: the row is locked and moved only from unconfirmed, so of any
 * number of clicks at the same moment one confirms and the others find it already confirmed. In the
 * same transaction the syncs that waited are released and the withheld referral counts.
 */
export async function confirmContact(tx: SqlExecutor, input: { launch: string; contactId: string; by: string; now: number; source?: string }): Promise<ConfirmOutcome> {
	const { launch, contactId, now } = input;
	const [row] = await tx.query<{ status: string; confirmed_at: number | string | null }>(
		`SELECT status, confirmed_at FROM optin_confirmations WHERE launch = $1 AND contact_id = $2${forUpdate(tx)}`,
		[launch, contactId],
	);
	if (!row) return { outcome: 'not_required', contactId };
	if (row.status === 'confirmed') return { outcome: 'already_confirmed', contactId, confirmedAt: Number(row.confirmed_at) };
	const changed = await tx.query<{ contact_id: string }>(
		`UPDATE optin_confirmations SET status = 'confirmed', confirmed_at = $3, confirmed_by = $4 WHERE launch = $1 AND contact_id = $2 AND status = 'unconfirmed' RETURNING contact_id`,
		[launch, contactId, now, input.by],
	);
	if (changed.length === 0) throw new LedgerInputError('contactId', `contact ${contactId} changed while confirming; try again`);
	const entries = await tx.query<{ id: string; kind: string }>(`SELECT id, kind FROM outbox WHERE launch = $1 AND contact_id = $2 AND status = 'unconfirmed' ORDER BY seq${forUpdate(tx)}`, [launch, contactId]);
	const released = await releaseContactEntries(tx, { launch, contactId, entries, now });
	const credit = await getReferralCredit(tx, launch, contactId);
	const referralReleased = credit?.status === 'withheld' && credit.reason === UNCONFIRMED_REASON;
	if (referralReleased) await setReferralCreditStatus(tx, { launch, referredId: contactId, to: 'credited', now, source: input.source ?? 'optin' });
	await recordEvent(tx, { launch, contactId, type: 'optin.confirmed', source: input.source, data: { by: input.by, releasedSync: released.map((r) => r.id), referralReleased }, at: now });
	return { outcome: 'confirmed', contactId, releasedSync: released.map((r) => r.id), referralReleased };
}

/** Where a contact's confirmation stands, read without changing it (the page a link opens before the person presses Confirm). */
export async function confirmationState(tx: SqlExecutor, launch: string, contactId: string): Promise<{ state: 'unconfirmed' | 'not_required' } | { state: 'already_confirmed'; confirmedAt: number }> {
	const [row] = await tx.query<{ status: string; confirmed_at: number | string | null }>('SELECT status, confirmed_at FROM optin_confirmations WHERE launch = $1 AND contact_id = $2', [launch, contactId]);
	if (!row) return { state: 'not_required' };
	return row.status === 'confirmed' ? { state: 'already_confirmed', confirmedAt: Number(row.confirmed_at) } : { state: 'unconfirmed' };
}

export interface UnconfirmedContact {
	contactId: string;
	email: string | null;
	sentBy: ConfirmationSender;
	requestedAt: number;
	/** Whole hours since the confirmation was asked for. */
	waitingHours: number;
}

/** Contacts asked to confirm before `olderThan` who have not: oldest first, with how many there are in all. Nothing is deleted. */
export async function listUnconfirmed(tx: SqlExecutor, input: { launch: string; olderThan: number; now: number; limit: number }): Promise<{ total: number; contacts: UnconfirmedContact[] }> {
	const [count] = await tx.query<{ n: number | string }>(
		`SELECT COUNT(*) AS n FROM optin_confirmations WHERE launch = $1 AND status = 'unconfirmed' AND requested_at <= $2`,
		[input.launch, input.olderThan],
	);
	const rows = await tx.query<{ contact_id: string; email: string | null; sent_by: ConfirmationSender; requested_at: number | string }>(
		`SELECT o.contact_id, c.email, o.sent_by, o.requested_at FROM optin_confirmations o JOIN contacts c ON c.id = o.contact_id
		 WHERE o.launch = $1 AND o.status = 'unconfirmed' AND o.requested_at <= $2 ORDER BY o.requested_at, o.contact_id LIMIT ${Math.max(1, Math.min(5000, Math.floor(input.limit)))}`,
		[input.launch, input.olderThan],
	);
	return {
		total: Number(count?.n ?? 0),
		contacts: rows.map((r) => ({ contactId: r.contact_id, email: r.email, sentBy: r.sent_by, requestedAt: Number(r.requested_at), waitingHours: Math.floor((input.now - Number(r.requested_at)) / 3_600_000) })),
	};
}
