import { decodeCursor, encodeCursor, pageSize, type Page } from '../review/cursor';
import type { SqlExecutor, SqlValue } from '../store';
import { flagsOfContacts, type AbuseFlag } from './flags';

/** One flagged signup on the review desk: the contact, what flagged it, whether its syncs wait. */
export interface FlaggedSignup {
	contactId: string;
	email: string | null;
	phone: string | null;
	/** The contact's open flags, oldest first. */
	flags: AbuseFlag[];
	/** Sync entries held for review (Clear releases them, Confirm as spam discards them). */
	heldSync: number;
	/** When the latest open flag was raised. */
	at: number;
}

/** Contacts with an open flag, most recently flagged first, a page at a time. */
export async function listFlaggedSignups(tx: SqlExecutor, launch: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<FlaggedSignup>> {
	const limit = pageSize(options.limit);
	const after = decodeCursor(options.cursor, ['number', 'string']);
	const params: SqlValue[] = [launch];
	let having = '';
	if (after) {
		const [at, id] = [params.push(after[0]!), params.push(after[1]!)];
		having = ` HAVING MAX(flagged_at) < $${at} OR (MAX(flagged_at) = $${at} AND contact_id < $${id})`;
	}
	const rows = await tx.query<{ contact_id: string; at: number }>(
		`SELECT contact_id, MAX(flagged_at) AS at FROM abuse_flags WHERE launch = $1 AND status = 'open'
		 GROUP BY contact_id${having} ORDER BY at DESC, contact_id DESC LIMIT $${params.push(limit + 1)}`,
		params,
	);
	const shown = rows.slice(0, limit);
	const ids = shown.map((r) => r.contact_id);
	const flags = await flagsOfContacts(tx, ids);
	const contacts = new Map<string, { email: string | null; phone: string | null; held: number }>();
	if (ids.length) {
		const p: SqlValue[] = [];
		const list = ids.map((id) => `$${p.push(id)}`).join(', ');
		const found = await tx.query<{ id: string; email: string | null; phone: string | null; held: number }>(
			`SELECT c.id, c.email, c.phone, (SELECT COUNT(*) FROM outbox o WHERE o.contact_id = c.id AND o.status = 'flagged') AS held FROM contacts c WHERE c.id IN (${list})`,
			p,
		);
		for (const c of found) contacts.set(c.id, { email: c.email, phone: c.phone, held: Number(c.held) });
	}
	const items = shown.map((r) => ({
		contactId: r.contact_id,
		email: contacts.get(r.contact_id)?.email ?? null,
		phone: contacts.get(r.contact_id)?.phone ?? null,
		flags: (flags.get(r.contact_id) ?? []).filter((f) => f.status === 'open'),
		heldSync: contacts.get(r.contact_id)?.held ?? 0,
		at: Number(r.at),
	}));
	const last = items[items.length - 1];
	return { items, next: rows.length > limit && last ? encodeCursor([last.at, last.contactId]) : null };
}

/** How many contacts were first flagged in [from, to): the monitor's "flagged signups" per window. */
export async function countFlaggedSince(tx: SqlExecutor, launch: string, from: number, to: number): Promise<number> {
	const [row] = await tx.query<{ n: number }>(
		`SELECT COUNT(DISTINCT contact_id) AS n FROM abuse_flags WHERE launch = $1 AND flagged_at >= $2 AND flagged_at < $3`,
		[launch, from, to],
	);
	return Number(row?.n ?? 0);
}
