import type { Touch } from '../attribution';
import { normalizeIdentifier } from '../normalize';
import { getLaunchSettings } from '../settings/settings';
import { forUpdate, type SqlExecutor } from '../store';
import { identifierOptions, validateLaunch } from './input';

/** Contact rows as stored, read and locked; the contact as callers see it (ContactRecord). */
export interface ContactRecord {
	id: string;
	launch: string;
	status: 'active' | 'merged' | 'forgotten' | (string & {});
	email: string | null;
	phone: string | null;
	profile: Record<string, unknown>;
	firstTouch: Touch | null;
	lastTouch: Touch | null;
	consent: Record<string, unknown>;
	isTest: boolean;
	mergedInto: string | null;
	identifiers: { kind: string; value: string; display: string | null }[];
	tags: string[];
	createdAt: number;
	updatedAt: number;
}

export type ContactRow = {
	id: string;
	launch: string;
	status: string;
	email: string | null;
	phone: string | null;
	profile: string;
	field_times: string;
	first_touch: string | null;
	last_touch: string | null;
	consent: string | null;
	is_test: number;
	merged_into: string | null;
	created_at: number;
	updated_at: number;
};

const CONTACT_COLUMNS = 'id, launch, status, email, phone, profile, field_times, first_touch, last_touch, consent, is_test, merged_into, created_at, updated_at';

function parseJson<T>(text: string | null, fallback: T): T {
	return text ? (JSON.parse(text) as T) : fallback;
}

/** Reads contacts and, on PostgreSQL, locks them in id order (a fixed order cannot deadlock). */
export async function lockContacts(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, ContactRow>> {
	const unique = [...new Set(ids)].sort();
	const placeholders = unique.map((_, i) => `$${i + 1}`).join(', ');
	const rows = await tx.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id IN (${placeholders}) ORDER BY id${forUpdate(tx)}`, unique);
	return new Map(rows.map((r) => [r.id, r]));
}

/** What merges and upserts work on: a contact's profile (with each field's observation time), touches and consent, parsed. */
export interface ContactState {
	profile: Record<string, unknown>;
	fieldTimes: Record<string, number>;
	firstTouch: Touch | null;
	lastTouch: Touch | null;
	consent: Record<string, unknown>;
}

export function stateOf(row: ContactRow): ContactState {
	return {
		profile: parseJson(row.profile, {}),
		fieldTimes: parseJson(row.field_times, {}),
		firstTouch: parseJson<Touch | null>(row.first_touch, null),
		lastTouch: parseJson<Touch | null>(row.last_touch, null),
		consent: parseJson(row.consent, {}),
	};
}

/** The active contact holding an identifier, or null. */
export async function findContact(tx: SqlExecutor, input: { launch: string; kind: string; value: string }): Promise<ContactRecord | null> {
	const launch = validateLaunch(input.launch);
	const settings = await getLaunchSettings(tx, launch);
	const id = normalizeIdentifier(input.kind, input.value, { ...identifierOptions(settings), field: 'value' });
	const [owner] = await tx.query<{ contact_id: string }>('SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = $2 AND value = $3', [
		launch,
		id.kind,
		id.value,
	]);
	return owner ? getContact(tx, owner.contact_id) : null;
}

/** The contact `contactId` lives on in: itself, or the contact its merges lead to (whatever its status). Null for an unknown id. */
export async function currentContact(tx: SqlExecutor, contactId: string): Promise<ContactRecord | null> {
	const seen = new Set<string>();
	let contact = await getContact(tx, contactId);
	// `seen` only guards against a corrupted chain; merge and unmerge never make a cycle.
	while (contact?.mergedInto && !seen.has(contact.id)) {
		seen.add(contact.id);
		contact = await getContact(tx, contact.mergedInto);
	}
	return contact;
}

export async function getContact(tx: SqlExecutor, contactId: string): Promise<ContactRecord | null> {
	const [row] = await tx.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id = $1`, [contactId]);
	if (!row) return null;
	const identifiers = await tx.query<{ kind: string; value: string; display_value: string | null }>(
		'SELECT kind, value, display_value FROM identifiers WHERE contact_id = $1 ORDER BY kind, created_at, value',
		[contactId],
	);
	const tags = await tx.query<{ tag: string }>('SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag', [contactId]);
	const s = stateOf(row);
	return {
		id: row.id,
		launch: row.launch,
		status: row.status,
		email: row.email,
		phone: row.phone,
		profile: s.profile,
		firstTouch: s.firstTouch,
		lastTouch: s.lastTouch,
		consent: s.consent,
		isTest: Number(row.is_test) === 1,
		mergedInto: row.merged_into,
		identifiers: identifiers.map((i) => ({ kind: i.kind, value: i.value, display: i.display_value })),
		tags: tags.map((t) => t.tag),
		createdAt: Number(row.created_at),
		updatedAt: Number(row.updated_at),
	};
}

/** Active contacts of a launch (merged and forgotten ones are not people any more). */
export async function countContacts(tx: SqlExecutor, launch: string): Promise<number> {
	const [row] = await tx.query<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts WHERE launch = $1 AND status = 'active'`, [launch]);
	return Number(row?.n ?? 0);
}

/** Active contacts of every launch in this ledger, by launch name. */
export async function countContactsByLaunch(tx: SqlExecutor): Promise<Array<{ launch: string; contacts: number }>> {
	const rows = await tx.query<{ launch: string; n: number }>(
		`SELECT launch, COUNT(*) AS n FROM contacts WHERE status = 'active' GROUP BY launch ORDER BY launch`,
	);
	return rows.map((r) => ({ launch: r.launch, contacts: Number(r.n) }));
}
