import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The confirmation link of double opt-in: `<contactId>.<expires>.<hmac>` (expires in base-36 epoch
 * seconds), signed with the launch's capture secret like the status link (referrals/status-token.ts)
 * but under its own purpose, so a status token never confirms anyone. Unlike the status link it
 * expires: an old confirmation email should not confirm an address months later.
 */
function signature(secret: string, launch: string, contactId: string, expires: string): string {
	return createHmac('sha256', secret).update(`confirm:${launch}:${contactId}:${expires}`).digest('base64url').slice(0, 32);
}

export function signConfirmToken(secret: string, launch: string, contactId: string, expiresAt: number): string {
	const expires = Math.ceil(expiresAt / 1000).toString(36);
	return `${contactId}.${expires}.${signature(secret, launch, contactId, expires)}`;
}

export type ConfirmTokenReading = { ok: true; contactId: string } | { ok: false; why: 'invalid' } | { ok: false; why: 'expired'; contactId: string };

/** The contact a token names; invalid when malformed or its signature does not match (tampered), expired when past its time. */
export function readConfirmToken(secret: string, launch: string, token: unknown, now: number): ConfirmTokenReading {
	if (typeof token !== 'string' || token.length > 200) return { ok: false, why: 'invalid' };
	const parts = token.split('.');
	if (parts.length < 3) return { ok: false, why: 'invalid' };
	const given = Buffer.from(parts.pop()!);
	const expires = parts.pop()!;
	const contactId = parts.join('.');
	if (!contactId || !/^[0-9a-z]{1,10}$/.test(expires)) return { ok: false, why: 'invalid' };
	const expected = Buffer.from(signature(secret, launch, contactId, expires));
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'invalid' };
	if (parseInt(expires, 36) * 1000 < now) return { ok: false, why: 'expired', contactId };
	return { ok: true, contactId };
}
