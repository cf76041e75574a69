import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed link to a person's status page: `<contactId>.<hmac>`, signed with the launch's capture
 * secret. It names one contact and proves the ledger gave it out (thank-you page, an email); whoever
 * holds it sees that person's place and referral counts, nothing else. No expiry: a status link in an
 * old email still works, like the waitlist services' links.
 */
function signature(secret: string, launch: string, contactId: string): string {
	return createHmac('sha256', secret).update(`status:${launch}:${contactId}`).digest('base64url').slice(0, 32);
}

export function signStatusToken(secret: string, launch: string, contactId: string): string {
	return `${contactId}.${signature(secret, launch, contactId)}`;
}

/** The contact a token names, or null when it is malformed or its signature does not match (a tampered link). */
export function readStatusToken(secret: string, launch: string, token: unknown): string | null {
	if (typeof token !== 'string' || token.length > 200) return null;
	const dot = token.lastIndexOf('.');
	if (dot < 1) return null;
	const contactId = token.slice(0, dot);
	const given = Buffer.from(token.slice(dot + 1));
	const expected = Buffer.from(signature(secret, launch, contactId));
	return given.length === expected.length && timingSafeEqual(given, expected) ? contactId : null;
}
