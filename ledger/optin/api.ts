import { captureSecret } from '../capture/capture';
import { requiredText } from '../checks';
import { currentContact } from '../contacts/records';
import { LedgerInputError } from '../errors';
import type { SqlExecutor, Store } from '../store';
import { confirmationState, confirmContact, listUnconfirmed, type ConfirmOutcome, type UnconfirmedContact } from './confirm';
import { readConfirmToken } from './token';

export type ConfirmByTokenResult =
	| ConfirmOutcome
	/** Malformed or tampered: the link names no one. */
	| { outcome: 'invalid' }
	/** Signed by the ledger but past its time: the person signs up again for a new one. */
	| { outcome: 'expired' }
	/** The contact is gone (forgotten) or not in this launch. */
	| { outcome: 'unknown' };

/** What a confirmation link would do, read without doing it: `ready` means the person can confirm now. */
export type ConfirmLinkCheck = { outcome: 'ready'; contactId: string } | Exclude<ConfirmByTokenResult, { outcome: 'confirmed' }>;

/**
 * The active contact a confirmation link names (a merged-away contact's link names the merged person),
 * or why it names no one: tampered, expired, or the person is gone from this launch.
 */
async function contactNamedByLink(tx: SqlExecutor, launch: string, token: unknown, now: number): Promise<{ contactId: string } | { outcome: 'invalid' | 'expired' | 'unknown' }> {
	const reading = readConfirmToken(await captureSecret(tx, launch), launch, token, now);
	if (!reading.ok) return { outcome: reading.why };
	const contact = await currentContact(tx, reading.contactId);
	if (!contact || contact.launch !== launch || contact.status !== 'active') return { outcome: 'unknown' };
	return { contactId: contact.id };
}

/** Double opt-in: confirming an address (from the signed link, or told by the ESP / a person) and the report of those who have not. */
export class OptInApi {
	constructor(private readonly store: Store) {}

	/**
	 * GET …/confirm?token=…: what the link would do, changing nothing. Mail scanners open every link in
	 * an email; confirming on that GET would confirm addresses nobody read, so the page asks the person
	 * to press Confirm (a POST, confirmByToken).
	 */
	checkConfirmLink(input: { launch: string; token: unknown; now?: number }): Promise<ConfirmLinkCheck> {
		const now = input.now ?? Date.now();
		return this.store.transaction(async (tx) => {
			const named = await contactNamedByLink(tx, input.launch, input.token, now);
			if ('outcome' in named) return named;
			const current = await confirmationState(tx, input.launch, named.contactId);
			if (current.state === 'already_confirmed') return { outcome: 'already_confirmed', contactId: named.contactId, confirmedAt: current.confirmedAt };
			if (current.state === 'not_required') return { outcome: 'not_required', contactId: named.contactId };
			return { outcome: 'ready', contactId: named.contactId };
		});
	}

	/** POST …/confirm (the page's Confirm button): confirms the person the link names, once. A merged-away contact's link confirms the merged person. */
	confirmByToken(input: { launch: string; token: unknown; now?: number }): Promise<ConfirmByTokenResult> {
		const now = input.now ?? Date.now();
		return this.store.transaction(async (tx) => {
			const named = await contactNamedByLink(tx, input.launch, input.token, now);
			if ('outcome' in named) return named;
			return confirmContact(tx, { launch: input.launch, contactId: named.contactId, by: 'link', now, source: 'optin:link' });
		});
	}

	/**
	 * Confirms a contact without the link: the ESP's own double opt-in told a workflow the person
	 * confirmed (e.g. Kit's "subscriber activated" webhook), or a person decided. `by` says which.
	 */
	async confirm(input: { launch: string; contactId: string; by: string; now?: number }): Promise<ConfirmOutcome> {
		const by = requiredText(input.by, 'by', 200);
		return this.store.transaction(async (tx) => {
			const contact = await currentContact(tx, requiredText(input.contactId, 'contactId', 200));
			if (!contact || contact.launch !== input.launch || contact.status !== 'active') throw new LedgerInputError('contactId', `no active contact "${input.contactId}" in launch "${input.launch}"`);
			return confirmContact(tx, { launch: input.launch, contactId: contact.id, by, now: input.now ?? Date.now(), source: `optin:${by}` });
		});
	}

	/** Contacts asked to confirm more than `olderThanHours` ago who have not, oldest first (never deleted: the creator decides). */
	async unconfirmed(input: { launch: string; olderThanHours: number; limit?: number; now?: number }): Promise<{ total: number; contacts: UnconfirmedContact[] }> {
		if (!Number.isFinite(input.olderThanHours) || input.olderThanHours < 0) throw new LedgerInputError('olderThanHours', 'must be 0 or more hours (e.g. 48)');
		const now = input.now ?? Date.now();
		return this.store.transaction((tx) => listUnconfirmed(tx, { launch: input.launch, olderThan: now - input.olderThanHours * 3_600_000, now, limit: input.limit ?? 500 }));
	}
}
