import { captureSecret } from '../capture/capture';
import { currentContact } from '../contacts/records';
import { LedgerInputError } from '../errors';
import type { SqlExecutor, Store } from '../store';
import { assignReferralCode, referralCodesOf } from './codes';
import { getReferralCredit, listReferralsBy, referralTally, setReferralCreditStatus, type ReferralCredit, type ReferralListing } from './credits';
import { readLeaderboard, type LeaderboardRow } from './leaderboard';
import { joinLine, placeInLine, readLineSettings, setSpotsPerReferral } from './line';
import { readStatusToken, signStatusToken } from './status-token';

export interface ReferralStanding {
	contactId: string;
	/** The code for the person's link; `codes` also holds those of contacts merged into them. */
	code: string;
	codes: string[];
	place: number;
	/** How many people are in the line. */
	of: number;
	referrals: { counted: number; pending: number };
	/** Who referred this person, if anyone, and whether it counted. */
	referredBy: ReferralCredit | null;
}

/** The active contact a possibly merged-away id stands for now (null: unknown in this launch, or forgotten). */
async function currentContactId(tx: SqlExecutor, launch: string, contactId: string): Promise<string | null> {
	const contact = await currentContact(tx, contactId);
	return contact && contact.launch === launch && contact.status === 'active' ? contact.id : null;
}

/**
 * Referral codes, credits and each launch's line. Capture gives every new person a code and a place
 * (capture/capture.ts); this is what pages, nodes and reviewers ask and change. One transaction per call.
 */
export class ReferralsApi {
	constructor(private readonly store: Store) {}

	/**
	 * A person's place, link code and referral counts. A contact from before referrals existed (or one
	 * added by Waitlist Contact rather than a signup) gets its code and joins the line's end here.
	 */
	standing(input: { launch: string; contactId: string; now?: number }): Promise<ReferralStanding> {
		const now = input.now ?? Date.now();
		return this.store.transaction(async (tx) => {
			const contactId = await currentContactId(tx, input.launch, input.contactId);
			if (!contactId) throw new LedgerInputError('contactId', `no active contact "${input.contactId}" in launch "${input.launch}"`);
			let codes = await referralCodesOf(tx, contactId);
			let place = await placeInLine(tx, input.launch, contactId);
			if (!place || codes.length === 0) {
				// Codes and entries are added under the line lock (see enterSignupReferrals): take it first.
				await joinLine(tx, { launch: input.launch, contactId, now });
				await assignReferralCode(tx, { launch: input.launch, contactId, now });
				codes = await referralCodesOf(tx, contactId);
				place = (await placeInLine(tx, input.launch, contactId))!;
			}
			return {
				contactId,
				code: codes[0]!,
				codes,
				place: place.place,
				of: place.of,
				referrals: await referralTally(tx, input.launch, contactId),
				referredBy: await getReferralCredit(tx, input.launch, contactId),
			};
		});
	}

	/** The people a contact referred, newest first, with whether each counted. */
	referralsBy(input: { launch: string; contactId: string; limit?: number }): Promise<ReferralListing[]> {
		return this.store.transaction(async (tx) => {
			const contactId = await currentContactId(tx, input.launch, input.contactId);
			if (!contactId) throw new LedgerInputError('contactId', `no active contact "${input.contactId}" in launch "${input.launch}"`);
			return listReferralsBy(tx, input.launch, contactId, input.limit);
		});
	}

	/** The token of a person's status-page link (`…/status?token=…`). */
	statusToken(launch: string, contactId: string): Promise<string> {
		return this.store.transaction(async (tx) => signStatusToken(await captureSecret(tx, launch), launch, contactId));
	}

	/**
	 * The standing a status link shows; null for a tampered or unknown token, or a person no longer on
	 * the list (forgotten). A merged-away contact's link shows the merged person.
	 */
	async standingByToken(launch: string, token: unknown): Promise<ReferralStanding | null> {
		const contactId = await this.store.transaction(async (tx) => readStatusToken(await captureSecret(tx, launch), launch, token));
		if (!contactId) return null;
		try {
			return await this.standing({ launch, contactId });
		} catch (error) {
			if (error instanceof LedgerInputError) return null;
			throw error;
		}
	}

	/** Only the place (a read; null when the contact is not in the line). One statement, so no transaction (and no write lock on SQLite). */
	async place(launch: string, contactId: string): Promise<{ place: number; of: number } | null> {
		const found = await placeInLine(this.store, launch, contactId);
		return found ? { place: found.place, of: found.of } : null;
	}

	/** A withheld credit counts now (the signup was confirmed, its flag cleared). */
	release(input: { launch: string; referredId: string; now?: number; source?: string }): Promise<ReferralCredit | null> {
		return this.store.transaction((tx) => setReferralCreditStatus(tx, { ...input, to: 'credited', now: input.now ?? Date.now() }));
	}

	/** A credit stops counting until released, with the reason shown to reviewers. */
	withhold(input: { launch: string; referredId: string; reason: string; now?: number; source?: string }): Promise<ReferralCredit | null> {
		return this.store.transaction((tx) => setReferralCreditStatus(tx, { ...input, to: 'withheld', now: input.now ?? Date.now() }));
	}

	/** The top referrers for a status page's optional leaderboard: first name and initial, and a count; nothing else. */
	leaderboard(launch: string, size?: number): Promise<LeaderboardRow[]> {
		return this.store.transaction((tx) => readLeaderboard(tx, launch, size));
	}

	spotsPerReferral(launch: string): Promise<number> {
		return this.store.transaction(async (tx) => (await readLineSettings(tx, launch)).spotsPerReferral);
	}

	/** How many places one credited referral is worth (like the waitlist services' "spots per referral"); re-scores the line. */
	setSpotsPerReferral(launch: string, spots: number): Promise<void> {
		return this.store.transaction((tx) => setSpotsPerReferral(tx, { launch, spots, now: Date.now() }));
	}
}
