import { recordEvent } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import type { AbuseSignal } from './rules';

/** open: waiting for a person; cleared: a person said it is a real signup; spam: a person confirmed it as spam. */
export type AbuseFlagStatus = 'open' | 'cleared' | 'spam';

export interface AbuseFlag {
	signal: AbuseSignal;
	/** What raised it: the listed domain, the count in the window, the CAPTCHA provider's answer (never an address). */
	detail: Record<string, unknown>;
	status: AbuseFlagStatus;
	flaggedAt: number;
	reviewedBy: string | null;
	reviewedAt: number | null;
}

export interface NewAbuseFlag {
	signal: AbuseSignal;
	detail: Record<string, unknown>;
}

/**
 * Adds flags to a contact's flag set, with one `abuse.flagged` event for those that are new. A signal
 * the contact already has (open, or already decided by a person) is not raised again: the primary key
 * (contact, signal) settles it, so the same signup in two workers flags once.
 */
export async function recordAbuseFlags(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; flags: readonly NewAbuseFlag[]; source?: string; now: number },
): Promise<AbuseSignal[]> {
	const added: AbuseSignal[] = [];
	for (const flag of input.flags) {
		const rows = await tx.query<{ signal: string }>(
			`INSERT INTO abuse_flags (launch, contact_id, signal, detail, status, flagged_at) VALUES ($1, $2, $3, $4, 'open', $5)
			 ON CONFLICT (contact_id, signal) DO NOTHING RETURNING signal`,
			[input.launch, input.contactId, flag.signal, JSON.stringify(flag.detail), input.now],
		);
		if (rows.length) added.push(flag.signal);
	}
	if (added.length) {
		const details = Object.fromEntries(input.flags.filter((f) => added.includes(f.signal)).map((f) => [f.signal, f.detail]));
		await recordEvent(tx, { launch: input.launch, contactId: input.contactId, type: 'abuse.flagged', source: input.source, data: { signals: added, details }, at: input.now });
	}
	return added;
}

type FlagRow = { contact_id: string; signal: string; detail: string; status: string; flagged_at: number; reviewed_by: string | null; reviewed_at: number | null };

const toFlag = (r: FlagRow): AbuseFlag => ({
	signal: r.signal as AbuseSignal,
	detail: JSON.parse(r.detail) as Record<string, unknown>,
	status: r.status as AbuseFlagStatus,
	flaggedAt: Number(r.flagged_at),
	reviewedBy: r.reviewed_by,
	reviewedAt: r.reviewed_at === null ? null : Number(r.reviewed_at),
});

/** Every flag of these contacts (any status), oldest first, by contact. */
export async function flagsOfContacts(tx: SqlExecutor, contactIds: readonly string[], options: { forUpdate?: boolean } = {}): Promise<Map<string, AbuseFlag[]>> {
	const found = new Map<string, AbuseFlag[]>();
	const unique = [...new Set(contactIds)];
	for (let i = 0; i < unique.length; i += 500) {
		const params: SqlValue[] = [];
		const lock = options.forUpdate && tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
		const rows = await tx.query<FlagRow>(
			`SELECT contact_id, signal, detail, status, flagged_at, reviewed_by, reviewed_at FROM abuse_flags
			 WHERE contact_id IN (${inList(unique.slice(i, i + 500), params)}) ORDER BY flagged_at, signal${lock}`,
			params,
		);
		for (const r of rows) (found.get(r.contact_id) ?? found.set(r.contact_id, []).get(r.contact_id)!).push(toFlag(r));
	}
	return found;
}

/** Whether the contact has a flag no person has decided yet. */
export async function hasOpenFlags(tx: SqlExecutor, contactId: string): Promise<boolean> {
	const [row] = await tx.query<{ n: number }>(`SELECT COUNT(*) AS n FROM abuse_flags WHERE contact_id = $1 AND status = 'open'`, [contactId]);
	return Number(row?.n ?? 0) > 0;
}

/**
 * A contact's flags (open, cleared or confirmed as spam), oldest first, in the caller's transaction.
 * Rules beyond capture (e.g. referral credit) read abuse signals through this.
 */
export async function abuseFlagsFor(tx: SqlExecutor, contactId: string): Promise<AbuseFlag[]> {
	return (await flagsOfContacts(tx, [contactId])).get(contactId) ?? [];
}
