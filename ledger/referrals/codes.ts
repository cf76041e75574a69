import { randomBytes } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { emailSkeleton } from '../lookalike';
import { normalizeEmail } from '../normalize';
import type { SqlExecutor } from '../store';

/** The query parameter (and signup field) a referral link carries its code in. */
export const REFERRAL_PARAMETER = 'ref';

/** Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 characters = 40 random bits: a million codes leave a guess a one-in-a-million chance. */
export const REFERRAL_CODE_LENGTH = 8;

export function newReferralCode(): string {
	const bytes = randomBytes(REFERRAL_CODE_LENGTH);
	return Array.from(bytes, (b) => ALPHABET[b % 32]).join('');
}

/**
 * A code as a link or a person typed it: case, spaces and dashes do not matter, and the letters
 * Crockford's alphabet leaves out read as the digits they look like. Null when it cannot be a code.
 */
export function normalizeReferralCode(raw: unknown): string | null {
	if (typeof raw !== 'string') return null;
	const code = raw
		.replace(/[\s-]/g, '')
		.toUpperCase()
		.replace(/[IL]/g, '1')
		.replace(/O/g, '0');
	if (code.length < 6 || code.length > 16) return null;
	for (const ch of code) if (!ALPHABET.includes(ch)) return null;
	return code;
}

/** The contact's first code, making one if it has none (a contact from before referrals, or a new one). */
export async function assignReferralCode(tx: SqlExecutor, input: { launch: string; contactId: string; now: number }): Promise<string> {
	const existing = await referralCodesOf(tx, input.contactId);
	if (existing.length > 0) return existing[0]!;
	for (let attempt = 0; attempt < 5; attempt++) {
		const code = newReferralCode();
		const inserted = await tx.query<{ code: string }>(
			'INSERT INTO referral_codes (code, launch, contact_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING RETURNING code',
			[code, input.launch, input.contactId, input.now],
		);
		if (inserted.length > 0) return code;
	}
	throw new Error('could not find an unused referral code in 5 tries');
}

/** Oldest first: the first is the one links show; a merged contact also answers to the others. */
export async function referralCodesOf(tx: SqlExecutor, contactId: string): Promise<string[]> {
	const rows = await tx.query<{ code: string }>('SELECT code FROM referral_codes WHERE contact_id = $1 ORDER BY created_at, code', [contactId]);
	return rows.map((r) => r.code);
}

/** The active contact a code belongs to in this launch (null: unknown, another launch's, or its person was forgotten). */
export async function resolveReferralCode(tx: SqlExecutor, launch: string, code: string): Promise<string | null> {
	const [row] = await tx.query<{ contact_id: string; status: string }>(
		`SELECT c.id AS contact_id, c.status FROM referral_codes r JOIN contacts c ON c.id = r.contact_id WHERE r.code = $1 AND r.launch = $2`,
		[code, launch],
	);
	return row && row.status === 'active' ? row.contact_id : null;
}

/**
 * The mailbox an address delivers to, for "is this the same person": +tags dropped on every domain,
 * Gmail's dots folded, lookalike letters read as the Latin ones.
 */
export function mailboxKey(email: string): string | null {
	try {
		const key = normalizeEmail(email, 'email', { gmail: true }).value;
		const at = key.lastIndexOf('@');
		const folded = `${key.slice(0, at).split('+')[0]}${key.slice(at)}`;
		return emailSkeleton(folded) ?? folded;
	} catch {
		return null;
	}
}

/** A person's referral link: the landing page with `?ref=CODE` (other query parameters kept). */
export function referralLinkFor(landingPage: string, code: string, field = 'referralLinkBase'): string {
	let url: URL;
	try {
		url = new URL(landingPage);
	} catch {
		throw new LedgerInputError(field, `must be the full address of your landing page, e.g. "https://example.com/waitlist"; got ${JSON.stringify(landingPage.slice(0, 80))}`);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new LedgerInputError(field, `must start with https:// (got "${url.protocol}")`);
	url.searchParams.set(REFERRAL_PARAMETER, code);
	return url.toString();
}
