import { ContactsApi, ReviewApi, SettingsApi, TagsApi } from './contacts/api';
import { OutboxApi } from './outbox/api';
import { ReconcileApi } from './reconcile/sweep';
import { CaptureApi } from './capture/api';
import { PurchasesApi } from './purchases/api';
import { schemaVersion, type Store } from './store';

export { ContactsApi, ReviewApi, SettingsApi, TagsApi };

/**
 * The ledger's public face. Each domain area hangs off it as its own API object (contacts, tags,
 * outbox, purchases …) that decides transaction boundaries; the rules live in the domain modules.
 */
export class Ledger {
	readonly contacts: ContactsApi;
	readonly tags: TagsApi;
	readonly settings: SettingsApi;
	readonly review: ReviewApi;
	readonly capture: CaptureApi;
	readonly outbox: OutboxApi;
	readonly reconcile: ReconcileApi;
	readonly purchases: PurchasesApi;

	constructor(readonly store: Store) {
		this.contacts = new ContactsApi(store);
		this.tags = new TagsApi(store);
		this.settings = new SettingsApi(store);
		this.review = new ReviewApi(store);
		this.capture = new CaptureApi(store);
		this.outbox = new OutboxApi(store);
		this.reconcile = new ReconcileApi(store);
		this.purchases = new PurchasesApi(store);
	}

	schemaVersion(): Promise<number> {
		return schemaVersion(this.store);
	}

	close(): Promise<void> {
		return this.store.close();
	}
}
