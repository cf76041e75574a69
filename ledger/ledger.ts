import { listEvents, type LedgerEvent } from './events';
import {
	countContacts,
	getContact,
	upsertContact,
	type ContactRecord,
	type UpsertContactInput,
	type UpsertContactResult,
} from './identity';
import { schemaVersion, type Store } from './store';

/** Contacts and identity: one method per use case, each in its own transaction. */
export class ContactsApi {
	constructor(private readonly store: Store) {}

	upsert(input: UpsertContactInput): Promise<UpsertContactResult> {
		return this.store.transaction((tx) => upsertContact(tx, input));
	}

	get(contactId: string): Promise<ContactRecord | null> {
		return getContact(this.store, contactId);
	}

	count(launch: string): Promise<number> {
		return countContacts(this.store, launch);
	}

	history(contactId: string): Promise<LedgerEvent[]> {
		return listEvents(this.store, contactId);
	}
}

/**
 * The ledger's public face. Each domain area hangs off it as its own API object (contacts, tags,
 * outbox, purchases …) that decides transaction boundaries; the rules live in the domain modules.
 */
export class Ledger {
	readonly contacts: ContactsApi;

	constructor(readonly store: Store) {
		this.contacts = new ContactsApi(store);
	}

	schemaVersion(): Promise<number> {
		return schemaVersion(this.store);
	}

	close(): Promise<void> {
		return this.store.close();
	}
}
