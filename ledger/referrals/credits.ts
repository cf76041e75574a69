import { recordEvents } from '../events';
import type { SqlExecutor } from '../store';
import { mailboxKey, normalizeReferralCode, resolveReferralCode } from './codes';
import { updateLineEntry } from './line';

/** credited: counts for the referrer; withheld: waits (unconfirmed, flagged) and may be released; refused: never counts (self-referral). */
export type ReferralCreditStatus = 'credited' | 'withheld' | 'refused';

export interface ReferralCredit {
	referredId: string;
	referrerId: string;
	code: string;
	status: ReferralCreditStatus;
	reason: string | null;
}

export type ReferralOutcome =
	| ({ outcome: 'recorded' } & ReferralCredit)
	/** This person was already referred (once per referred person); nothing changed. */
	| ({ outcome: 'already_referred' } & ReferralCredit)
	| { outcome: 'unknown_code'; code: string };

type CreditRow = { referred_id: string; referrer_id: string; code: string; status: string; reason: string | null };
const toCredit = (r: CreditRow): ReferralCredit => ({ referredId: r.referred_id, referrerId: r.referrer_id, code: r.code, status: r.status as ReferralCreditStatus, reason: r.reason });

export async function getReferralCredit(tx: SqlExecutor, launch: string, referredId: string): Promise<ReferralCredit | null> {
	const [row] = await tx.query<CreditRow>('SELECT referred_id, referrer_id, code, status, reason FROM referral_credits WHERE launch = $1 AND referred_id = $2', [launch, referredId]);
	return row ? toCredit(row) : null;
}

/** Puts the referrer's credited count on its line entry, counted from the credits (never incremented blindly). */
export async function recountReferralCredits(tx: SqlExecutor, launch: string, referrerId: string, now: number): Promise<number> {
	const [row] = await tx.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM referral_credits WHERE launch = $1 AND referrer_id = $2 AND status = 'credited'", [launch, referrerId]);
	const credits = Number(row?.n ?? 0);
	await updateLineEntry(tx, { launch, contactId: referrerId, credits, now });
	return credits;
}

/** Why a referral is the person referring themselves, or null. */
async function selfReferral(tx: SqlExecutor, input: { referrerId: string; referredId: string; code: string; browserCodes?: readonly string[] }): Promise<string | null> {
	if (input.referrerId === input.referredId) return 'self: the same contact';
	if (input.browserCodes?.some((c) => normalizeReferralCode(c) === input.code)) return 'self: the same browser signed up with this code before';
	const rows = await tx.query<{ id: string; email: string | null }>('SELECT id, email FROM contacts WHERE id IN ($1, $2)', [input.referrerId, input.referredId]);
	const keys = rows.map((r) => (r.email ? mailboxKey(r.email) : null));
	if (keys.length === 2 && keys[0] && keys[0] === keys[1]) return 'self: the same mailbox under another spelling';
	return null;
}

/**
 * A signup arrived with a referral code. Decides, once per referred person, whether the referrer gets
 * the credit: refused for a self-referral, withheld while `withholdReason` holds (an unconfirmed or
 * flagged signup; released later), else credited. The primary key on (launch, referred) settles a
 * race of parallel signups of the same person: one row wins, the others find it.
 */
export async function recordReferral(
	tx: SqlExecutor,
	input: { launch: string; referredId: string; code: string; now: number; withholdReason?: string | null; browserCodes?: readonly string[]; source?: string },
): Promise<ReferralOutcome> {
	const code = normalizeReferralCode(input.code);
	const referrerId = code ? await resolveReferralCode(tx, input.launch, code) : null;
	if (!code || !referrerId) {
		await recordEvents(tx, [{ launch: input.launch, contactId: input.referredId, type: 'referral.unknown_code', source: input.source, data: { code: String(input.code).slice(0, 32) }, at: input.now }]);
		return { outcome: 'unknown_code', code: String(input.code).slice(0, 32) };
	}
	const self = await selfReferral(tx, { referrerId, referredId: input.referredId, code, browserCodes: input.browserCodes });
	const status: ReferralCreditStatus = self ? 'refused' : input.withholdReason ? 'withheld' : 'credited';
	const reason = self ?? input.withholdReason ?? null;
	const inserted = await tx.query<CreditRow>(
		`INSERT INTO referral_credits (launch, referred_id, referrer_id, code, status, reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		 ON CONFLICT (launch, referred_id) DO NOTHING RETURNING referred_id, referrer_id, code, status, reason`,
		[input.launch, input.referredId, referrerId, code, status, reason, input.now],
	);
	if (inserted.length === 0) {
		const existing = (await getReferralCredit(tx, input.launch, input.referredId))!;
		return { outcome: 'already_referred', ...existing };
	}
	await recordEvents(tx, [
		{ launch: input.launch, contactId: input.referredId, type: 'referral.received', source: input.source, data: { code, referrerId, status, reason }, at: input.now },
		...(self ? [] : [{ launch: input.launch, contactId: referrerId, type: `referral.${status}`, source: input.source, data: { referredId: input.referredId, reason }, at: input.now }]),
	]);
	if (status === 'credited') await recountReferralCredits(tx, input.launch, referrerId, input.now);
	return { outcome: 'recorded', ...toCredit(inserted[0]!) };
}

/**
 * Moves a credit between credited and withheld (a signup confirmed or flagged, a flag cleared).
 * A refused (self) referral stays refused. Returns the credit as it now is, or null when there is none.
 */
export async function setReferralCreditStatus(
	tx: SqlExecutor,
	input: { launch: string; referredId: string; to: 'credited' | 'withheld'; reason?: string | null; now: number; source?: string },
): Promise<ReferralCredit | null> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const [row] = await tx.query<CreditRow>(`SELECT referred_id, referrer_id, code, status, reason FROM referral_credits WHERE launch = $1 AND referred_id = $2${lock}`, [input.launch, input.referredId]);
	if (!row) return null;
	const credit = toCredit(row);
	const reason = input.to === 'withheld' ? (input.reason ?? 'withheld') : null;
	// A credit withheld for one reason may go on waiting for another (a flag cleared, the address still unconfirmed): the new reason is recorded.
	if (credit.status === 'refused' || (credit.status === input.to && credit.reason === reason)) return credit;
	if (credit.status === 'credited' && input.to === 'credited') return credit;
	await tx.execute('UPDATE referral_credits SET status = $1, reason = $2, updated_at = $3 WHERE launch = $4 AND referred_id = $5', [input.to, reason, input.now, input.launch, input.referredId]);
	await recordEvents(tx, [{ launch: input.launch, contactId: credit.referrerId, type: input.to === 'credited' ? 'referral.released' : 'referral.withheld', source: input.source, data: { referredId: input.referredId, reason }, at: input.now }]);
	await recountReferralCredits(tx, input.launch, credit.referrerId, input.now);
	return { ...credit, status: input.to, reason };
}

/** What a person sees: referrals that counted, and those that wait (withheld). Self-referrals are not shown. */
export async function referralTally(tx: SqlExecutor, launch: string, referrerId: string): Promise<{ counted: number; pending: number }> {
	const rows = await tx.query<{ status: string; n: number | string }>('SELECT status, COUNT(*) AS n FROM referral_credits WHERE launch = $1 AND referrer_id = $2 GROUP BY status', [launch, referrerId]);
	const of = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
	return { counted: of('credited'), pending: of('withheld') };
}

export interface ReferralListing {
	referredId: string;
	status: ReferralCreditStatus;
	reason: string | null;
	at: number;
}

/** The people a contact referred, newest first (self-referrals included, marked refused). */
export async function listReferralsBy(tx: SqlExecutor, launch: string, referrerId: string, limit = 500): Promise<ReferralListing[]> {
	const rows = await tx.query<{ referred_id: string; status: string; reason: string | null; created_at: number | string }>(
		`SELECT referred_id, status, reason, created_at FROM referral_credits WHERE launch = $1 AND referrer_id = $2 ORDER BY created_at DESC, referred_id LIMIT ${Math.max(1, Math.min(5000, Math.floor(limit)))}`,
		[launch, referrerId],
	);
	return rows.map((r) => ({ referredId: r.referred_id, status: r.status as ReferralCreditStatus, reason: r.reason, at: Number(r.created_at) }));
}
