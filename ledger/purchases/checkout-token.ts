import { randomBytes } from 'node:crypto';

import { requiredText } from '../checks';
import { linkIdentifier } from '../contacts/identifiers';
import { findContact } from '../contacts/records';
import { upsertContact } from '../contacts/upsert';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import { validateLaunch } from './inbox';
import { lockMatchedContact } from './match';
import { CHECKOUT_TOKEN_KEY } from './normalize';

/** How long a token is handed out again to the same person for the same product (a provider's checkout session lives 24 h). */
export const CHECKOUT_TOKEN_OPEN_MS = 24 * 60 * 60_000;
/** New tokens per contact and window: enough for a person trying a few products, not for someone flooding an address. */
export const CHECKOUT_TOKENS_PER_WINDOW = 5;
export const CHECKOUT_TOKEN_WINDOW_MS = 60 * 60_000;

export interface CheckoutToken {
	token: string;
	contactId: string;
	/** '' when the token is for no particular product. */
	productId: string;
	/** True when an open token of this person for this product was handed out again. */
	reused: boolean;
	/** Whether this call added the contact (an email nobody had used yet). */
	contactCreated: boolean;
	/** Until when the same token is handed out again (ISO time); it still matches a payment after that. */
	openUntil: string;
	/** What to pass to each provider so the token comes back in its webhook. */
	stripe: { client_reference_id: string; metadata: Record<string, string> };
	lemonSqueezy: { checkout_data: { custom: Record<string, string> } };
	paddle: { custom_data: Record<string, string> };
	shopify: { attributes: Record<string, string> };
	gumroad: { url_params: Record<string, string> };
}

export interface CheckoutTokenInput {
	launch: string;
	/** The contact, or … */
	contactId?: string;
	/** … the email the buyer typed (with createContact, someone new is added). */
	email?: string;
	createContact?: boolean;
	productId?: string;
	source?: string;
	now?: number;
}

/** The field that carries the cap's refusal, so a checkout link can answer 429 instead of 400. */
export const CHECKOUT_LIMIT_FIELD = 'checkoutLimit';

/** The contact the token is for: by id (followed through merges) or by email, added if asked. Not locked yet. */
async function contactFor(tx: SqlExecutor, launch: string, input: CheckoutTokenInput): Promise<{ contactId: string; created: boolean }> {
	if (input.contactId !== undefined) return { contactId: requiredText(input.contactId, 'contactId', 200), created: false };
	const email = requiredText(input.email, 'email', 320);
	let found;
	try {
		found = await findContact(tx, { launch, kind: 'email', value: email });
	} catch (e) {
		// findContact names its argument "value"; the caller knows it as the email.
		if (e instanceof LedgerInputError) throw new LedgerInputError('email', e.reason);
		throw e;
	}
	if (found) return { contactId: found.id, created: false };
	if (input.createContact !== true) throw new LedgerInputError('email', `no contact with email "${email}" in launch "${launch}"; add them first or allow adding missing contacts`);
	const upserted = await upsertContact(tx, { launch, email, source: input.source });
	return { contactId: upserted.contactId, created: upserted.created };
}

/**
 * The token for (contact, product): the open one again (not used by a payment, not past its 24 h),
 * else a new one unless the contact already got CHECKOUT_TOKENS_PER_WINDOW in the last hour. The
 * contact row is locked first (PostgreSQL; SQLite writes one transaction at a time), so concurrent
 * posts for one address queue here and all get the one token the first of them made.
 */
export async function issueCheckoutToken(tx: SqlExecutor, input: CheckoutTokenInput): Promise<CheckoutToken> {
	const launch = validateLaunch(input.launch);
	const productId = input.productId === undefined ? '' : input.productId.trim();
	if (productId.length > 200) throw new LedgerInputError('productId', 'is longer than 200 characters');
	const now = input.now ?? Date.now();
	const wanted = await contactFor(tx, launch, input);
	const contactId = await lockMatchedContact(tx, wanted.contactId);
	const [owner] = contactId ? await tx.query<{ launch: string }>('SELECT launch FROM contacts WHERE id = $1', [contactId]) : [];
	if (!contactId || owner?.launch !== launch) {
		throw new LedgerInputError('contactId', `no contact "${wanted.contactId}" in launch "${launch}"; use the contactId of an earlier Waitlist node`);
	}
	const [open] = await tx.query<{ token: string; expires_at: number | string }>(
		`SELECT token, expires_at FROM checkout_tokens
		 WHERE launch = $1 AND contact_id = $2 AND product_id = $3 AND used_at IS NULL AND expires_at > $4
		 ORDER BY created_at DESC LIMIT 1`,
		[launch, contactId, productId, now],
	);
	if (open) return tokenResult(open.token, contactId, productId, Number(open.expires_at), { reused: true, created: wanted.created });
	const [recent] = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM checkout_tokens WHERE launch = $1 AND contact_id = $2 AND created_at > $3', [
		launch,
		contactId,
		now - CHECKOUT_TOKEN_WINDOW_MS,
	]);
	if (Number(recent?.n ?? 0) >= CHECKOUT_TOKENS_PER_WINDOW) {
		throw new LedgerInputError(
			CHECKOUT_LIMIT_FIELD,
			`${CHECKOUT_TOKENS_PER_WINDOW} were already made for this person in the last hour; use one of those, or try again in an hour`,
		);
	}
	const token = `wlt_${randomBytes(16).toString('hex')}`;
	const link = await linkIdentifier(tx, { launch, contactId, kind: 'purchase_token', value: token, source: input.source });
	if (link.status !== 'linked') throw new LedgerInputError('contactId', `a checkout token could not be linked to contact ${contactId} (${link.review?.reason ?? link.status})`);
	const expiresAt = now + CHECKOUT_TOKEN_OPEN_MS;
	await tx.execute('INSERT INTO checkout_tokens (token, launch, contact_id, product_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
		token,
		launch,
		contactId,
		productId,
		now,
		expiresAt,
	]);
	return tokenResult(token, contactId, productId, expiresAt, { reused: false, created: wanted.created });
}

/** A payment matched by this token: it is no longer handed out (the next checkout gets a new one). */
export async function markCheckoutTokenUsed(tx: SqlExecutor, launch: string, token: string | null, now: number): Promise<void> {
	if (!token) return;
	await tx.execute('UPDATE checkout_tokens SET used_at = $3 WHERE launch = $1 AND token = $2 AND used_at IS NULL', [launch, token, now]);
}

function tokenResult(token: string, contactId: string, productId: string, openUntil: number, how: { reused: boolean; created: boolean }): CheckoutToken {
	const carried = { [CHECKOUT_TOKEN_KEY]: token };
	return {
		token,
		contactId,
		productId,
		reused: how.reused,
		contactCreated: how.created,
		openUntil: new Date(openUntil).toISOString(),
		stripe: { client_reference_id: token, metadata: carried },
		lemonSqueezy: { checkout_data: { custom: carried } },
		paddle: { custom_data: carried },
		shopify: { attributes: carried },
		gumroad: { url_params: carried },
	};
}
