import { randomUUID } from 'node:crypto';

import { LedgerInputError } from './errors';
import { recordEvent } from './events';
import type { SqlExecutor } from './store';

// Deliberately permissive (RFC 5322 allows far more than most validators accept); it rejects what
// is certainly not an address: no @, spaces, no dot in the domain.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NormalizedEmail {
	/** The matching key: trimmed, NFC, lowercased. */
	value: string;
	/** The address as typed (trimmed), kept for display. */
	display: string;
}

export function normalizeEmail(input: unknown, field = 'email'): NormalizedEmail {
	if (typeof input !== 'string' || input.trim() === '') {
		throw new LedgerInputError(field, 'is required, e.g. "ada@example.com"');
	}
	const display = input.trim().normalize('NFC');
	if (display.length > 254 || !EMAIL_SHAPE.test(display)) {
		throw new LedgerInputError(field, `"${display.slice(0, 80)}" is not a valid email address`);
	}
	return { value: display.toLowerCase(), display };
}

export interface UpsertContactInput {
	launch: string;
	email: string;
	/** Profile fields such as first_name; empty values never replace stored ones. */
	fields?: Record<string, unknown>;
	source?: string;
	isTest?: boolean;
}

export interface UpsertContactResult {
	contactId: string;
	created: boolean;
	/** Profile fields whose stored value changed, with before and after. */
	changes: Record<string, { before: unknown; after: unknown }>;
}

function isEmptyValue(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Creates the contact for this email, or updates the one that already holds it. Race-free: the
 * identifier's primary key decides which of two concurrent callers creates the contact; the other
 * finds it and merges into it.
 */
export async function upsertContact(tx: SqlExecutor, input: UpsertContactInput): Promise<UpsertContactResult> {
	const email = normalizeEmail(input.email);
	const now = Date.now();
	const candidateId = randomUUID();
	const claimed = await tx.query<{ contact_id: string }>(
		`INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at)
		 VALUES ($1, 'email', $2, $3, $4, $5)
		 ON CONFLICT (launch, kind, value) DO NOTHING
		 RETURNING contact_id`,
		[input.launch, email.value, candidateId, email.display, now],
	);
	const fields = Object.fromEntries(Object.entries(input.fields ?? {}).filter(([, v]) => !isEmptyValue(v)));

	if (claimed.length === 1) {
		await tx.execute(
			`INSERT INTO contacts (id, launch, email, profile, is_test, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			[candidateId, input.launch, email.display, JSON.stringify(fields), input.isTest ? 1 : 0, now],
		);
		await recordEvent(tx, {
			launch: input.launch,
			contactId: candidateId,
			type: 'contact.created',
			source: input.source,
			data: { email: email.display, fields },
			at: now,
		});
		const changes = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { before: null, after: v }]));
		return { contactId: candidateId, created: true, changes };
	}

	const [identifier] = await tx.query<{ contact_id: string }>(
		`SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = 'email' AND value = $2`,
		[input.launch, email.value],
	);
	if (!identifier) throw new Error(`identifier for ${email.value} vanished during upsert`);
	const contactId = identifier.contact_id;
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const [contact] = await tx.query<{ profile: string }>(`SELECT profile FROM contacts WHERE id = $1${lock}`, [contactId]);
	if (!contact) throw new Error(`contact ${contactId} is missing for identifier ${email.value}`);
	const profile = JSON.parse(contact.profile) as Record<string, unknown>;
	const changes: UpsertContactResult['changes'] = {};
	for (const [key, value] of Object.entries(fields)) {
		if (JSON.stringify(profile[key]) === JSON.stringify(value)) continue;
		changes[key] = { before: profile[key] ?? null, after: value };
		profile[key] = value;
	}
	if (Object.keys(changes).length > 0) {
		await tx.execute('UPDATE contacts SET profile = $1, updated_at = $2 WHERE id = $3', [
			JSON.stringify(profile),
			now,
			contactId,
		]);
		await recordEvent(tx, { launch: input.launch, contactId, type: 'contact.updated', source: input.source, data: { changes }, at: now });
	}
	return { contactId, created: false, changes };
}

export interface ContactRecord {
	id: string;
	launch: string;
	status: string;
	email: string | null;
	profile: Record<string, unknown>;
	createdAt: number;
	updatedAt: number;
}

export async function getContact(tx: SqlExecutor, contactId: string): Promise<ContactRecord | null> {
	const [row] = await tx.query<{
		id: string;
		launch: string;
		status: string;
		email: string | null;
		profile: string;
		created_at: number;
		updated_at: number;
	}>('SELECT id, launch, status, email, profile, created_at, updated_at FROM contacts WHERE id = $1', [contactId]);
	if (!row) return null;
	return {
		id: row.id,
		launch: row.launch,
		status: row.status,
		email: row.email,
		profile: JSON.parse(row.profile) as Record<string, unknown>,
		createdAt: Number(row.created_at),
		updatedAt: Number(row.updated_at),
	};
}

export async function countContacts(tx: SqlExecutor, launch: string): Promise<number> {
	const [row] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM contacts WHERE launch = $1', [launch]);
	return Number(row?.n ?? 0);
}
