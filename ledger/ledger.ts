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

/**
 * The ledger's public face: one method per use case, each in its own transaction. Domain rules live
 * in the modules it calls; this class only decides transaction boundaries.
 */
export class Ledger {
	constructor(readonly store: Store) {}

	upsertContact(input: UpsertContactInput): Promise<UpsertContactResult> {
		return this.store.transaction((tx) => upsertContact(tx, input));
	}

	getContact(contactId: string): Promise<ContactRecord | null> {
		return getContact(this.store, contactId);
	}

	countContacts(launch: string): Promise<number> {
		return countContacts(this.store, launch);
	}

	history(contactId: string): Promise<LedgerEvent[]> {
		return listEvents(this.store, contactId);
	}

	schemaVersion(): Promise<number> {
		return schemaVersion(this.store);
	}

	close(): Promise<void> {
		return this.store.close();
	}
}
