import type { Page } from '../review/cursor';
import type { Store } from '../store';
import { abuseFlagsFor, type AbuseFlag } from './flags';
import { listFlaggedSignups, type FlaggedSignup } from './list';
import { decideFlaggedContact, type AbuseDecisionResult } from './review';

/** Who decides and why, on a flagged contact. */
export interface AbuseDecisionInput {
	launch: string;
	contactId: string;
	by: string;
	reason?: string;
	source?: string;
}

/**
 * Abuse signals recorded at capture (see abuse/assess.ts): a contact's flags, the flagged signups a
 * person reviews, and the decision (Clear / Confirm as spam), each one transaction.
 */
export class AbuseApi {
	constructor(private readonly store: Store) {}

	/** Every flag of a contact (open, cleared or confirmed as spam), oldest first. Referral credit and other rules read this. */
	flagsFor(contactId: string): Promise<AbuseFlag[]> {
		return abuseFlagsFor(this.store, contactId);
	}

	/** Contacts with an open flag, most recently flagged first. */
	flaggedSignups(launch: string, paging?: { cursor?: string; limit?: number }): Promise<Page<FlaggedSignup>> {
		return listFlaggedSignups(this.store, launch, paging);
	}

	/** A real person: the open flags are cleared and the syncs held for review go out. */
	clear(input: AbuseDecisionInput): Promise<AbuseDecisionResult> {
		return this.store.transaction((tx) => decideFlaggedContact(tx, { ...input, decision: 'clear' }));
	}

	/** Spam: the open flags are confirmed and the syncs held for review are discarded. */
	confirmSpam(input: AbuseDecisionInput): Promise<AbuseDecisionResult> {
		return this.store.transaction((tx) => decideFlaggedContact(tx, { ...input, decision: 'spam' }));
	}
}
