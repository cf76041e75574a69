import { listEvents, listLaunchEvents, type EventFilter, type LedgerEvent } from '../events';
import type { Store } from '../store';
import { forgetContact, type ForgetResult } from './forget';
import { linkIdentifier, unlinkIdentifier, type LinkIdentifierInput, type LinkIdentifierResult } from './identifiers';
import type { UpsertContactInput } from './input';
import { mergeContacts, type MergeContactsInput } from './merge';
import { countContacts, countContactsByLaunch, currentContact, findContact, getContact, type ContactRecord } from './records';
import type { ContactSteps } from './steps';
import { unmergeContact } from './unmerge';
import type { UpsertContactResult } from './upsert';
import { upsertContactAlone } from './upsert-alone';
import { upsertContactsInOrder, type UpsertManyOutcome } from './upsert-many';

/**
 * Contacts and identity: one method per use case, each in its own transaction. `steps` are what merge,
 * unmerge and forget do to other resources' rows (handed over by the Ledger).
 */
export class ContactsApi {
	constructor(
		private readonly store: Store,
		private readonly steps: ContactSteps,
	) {}

	upsert(input: UpsertContactInput): Promise<UpsertContactResult> {
		return upsertContactAlone(this.store, input);
	}

	/**
	 * Many upserts (an import, a backlog), in order, with one outcome per input — exactly what calling
	 * upsert for each would give, errors included, but cheaper: on SQLite up to 100 share a commit.
	 * Not all-or-nothing: inputs that fail are reported, the others are kept.
	 */
	upsertMany(inputs: readonly UpsertContactInput[]): Promise<UpsertManyOutcome[]> {
		return upsertContactsInOrder(this.store, inputs);
	}

	get(contactId: string): Promise<ContactRecord | null> {
		return getContact(this.store, contactId);
	}

	/**
	 * The contact `contactId` lives on in: itself while active, or — after one or more merges — the
	 * contact its merges lead to. Null for an unknown id. The one place nodes turn a possibly merged
	 * contact id into the one vendors, tokens and grants should use.
	 */
	current(contactId: string): Promise<ContactRecord | null> {
		return currentContact(this.store, contactId);
	}

	/** By any identifier: email, phone, customer_id, purchase_token, ext:<system>. */
	find(input: { launch: string; kind: string; value: string }): Promise<ContactRecord | null> {
		return this.store.transaction((tx) => findContact(tx, input));
	}

	link(input: LinkIdentifierInput): Promise<LinkIdentifierResult> {
		return this.store.transaction((tx) => linkIdentifier(tx, input));
	}

	unlink(input: LinkIdentifierInput): Promise<{ unlinked: boolean }> {
		return this.store.transaction((tx) => unlinkIdentifier(tx, input));
	}

	merge(input: MergeContactsInput): Promise<{ contactId: string; changes: UpsertContactResult['changes'] }> {
		return this.store.transaction((tx) => mergeContacts(tx, input, this.steps.merge));
	}

	unmerge(input: { launch: string; contactId: string; source?: string }): Promise<{ contactId: string; restoredFrom: string; keptOnTarget: string[]; reviewIds: string[] }> {
		return this.store.transaction((tx) => unmergeContact(tx, input, this.steps.merge));
	}

	forget(input: { launch: string; contactId: string; source?: string }): Promise<ForgetResult> {
		return this.store.transaction((tx) => forgetContact(tx, input, this.steps.forget));
	}

	count(launch: string): Promise<number> {
		return countContacts(this.store, launch);
	}

	countByLaunch(): Promise<Array<{ launch: string; contacts: number }>> {
		return countContactsByLaunch(this.store);
	}

	/** Oldest first by default, so `{ limit: 10 }` is the first 10; `{ order: 'newest', limit: 10 }` is the latest 10, newest first. */
	history(contactId: string, filter?: EventFilter): Promise<LedgerEvent[]> {
		return listEvents(this.store, contactId, filter);
	}

	launchHistory(launch: string, filter?: EventFilter): Promise<LedgerEvent[]> {
		return listLaunchEvents(this.store, launch, filter);
	}
}
