import type { OutboxHealth } from '../outbox/health';
import type { SqlExecutor } from '../store';

/** The vendor systems a sweep compares with the ledger. */
export type VendorSystem = 'esp' | 'crm' | 'checkout' | 'delivery';

/** A subscriber (ESP) or contact (CRM) as the vendor has it. */
export interface VendorContactRecord {
	email: string;
	/** The vendor's record id (kept in findings and payloads). */
	id?: string | number;
	/** The vendor's tags; omit when the list has none (then tags are not compared). */
	tags?: string[];
}

/** An order from the checkout (Stripe, Lemon Squeezy …). */
export interface CheckoutOrderRecord {
	orderId: string;
	email?: string;
	productId?: string;
	/** The vendor's word only; the sweep decides access from the ledger's purchase facts, never from this. */
	status?: string;
}

/** Someone enrolled in a product at the delivery platform (course host, community …). */
export interface DeliveryEnrollmentRecord {
	email: string;
	productId: string;
	id?: string | number;
}

export type RecordStream<T> = AsyncIterable<T> | Iterable<T>;

/** What the purchases module decided about one purchase. */
export interface PurchaseFact {
	orderId: string;
	contactId: string | null;
	productId: string;
	state: 'paid' | 'refunded' | 'dispute_lost' | 'pending' | (string & {});
	/** Whether the ledger's access state for (contact, product) is granted. */
	accessGranted: boolean;
}

/**
 * The sweep's view of purchases and access. The purchases/access tables are not built yet; their
 * module will implement this. Without it the sweep still reports purchases whose email matches no
 * contact, but never grants or revokes.
 */
export interface PurchaseFactSource {
	/** Facts for these checkout order ids (unknown orders left out). */
	forOrders(tx: SqlExecutor, launch: string, orderIds: readonly string[]): Promise<PurchaseFact[]>;
	/** Facts for these (contact, product) pairs, from the latest purchase of each. */
	forAccess(tx: SqlExecutor, launch: string, pairs: readonly { contactId: string; productId: string }[]): Promise<PurchaseFact[]>;
}

export interface SweepInput {
	launch: string;
	esp?: RecordStream<VendorContactRecord>;
	crm?: RecordStream<VendorContactRecord>;
	checkout?: RecordStream<CheckoutOrderRecord>;
	delivery?: RecordStream<DeliveryEnrollmentRecord>;
	purchases?: PurchaseFactSource;
	/** Records per transaction (and per ledger lookup); 1000 by default. */
	batchSize?: number;
	source?: string;
	/**
	 * When the vendor lists were fetched (ms since the epoch): one time for all lists, or one per
	 * system. A list only shows the vendor as it was then, so a contact whose sync was delivered
	 * (or is in a worker's hands) since, or who signed up since, is not judged by it. Defaults to
	 * the sweep's start — right for lists fetched just before; pass the fetch time when they were
	 * fetched earlier (n8n: the execution's start).
	 */
	listedAt?: number | Partial<Record<VendorSystem, number>>;
}

export interface SystemReport {
	records: number;
	/** Records that could not be read (no email, bad email …); each is a finding. */
	invalid: number;
	/** The same email (or order, or enrollment) more than once in this vendor. */
	duplicates: number;
	/** In the vendor but not in the ledger. */
	unknownInLedger: number;
	/** In the ledger but not in the vendor (ESP/CRM): sync entries. */
	missingInVendor: number;
	/** Tags differ (ESP/CRM): tag_sync entries. */
	tagDrift: number;
	grants: number;
	revokes: number;
	/** Purchases with no contact: review items. */
	review: number;
	/**
	 * ESP/CRM: contacts not judged by this list because they changed after it was fetched (their
	 * sync was delivered or claimed since, or they signed up since); the next sweep compares them.
	 */
	changedSinceListed: number;
}

export interface SweepReport {
	runId: string;
	launch: string;
	/** Part (a): the outbox as the sweep found it — due retries, expired leases, dead, held. */
	outbox: OutboxHealth;
	systems: Partial<Record<VendorSystem, SystemReport>>;
	/** Per compared system: when its list counted as fetched (ms), see SweepInput.listedAt. */
	listedAt: Partial<Record<VendorSystem, number>>;
	/** Outbox entries created or reopened by this sweep. */
	fixes: number;
	/** Contacts tagged reconciled-after-failure by this sweep. */
	healedContacts: number;
	findings: number;
}

export interface SweepFinding {
	seq: number;
	kind: 'duplicate' | 'unknown_in_ledger' | 'invalid_record' | 'missing_in_vendor' | 'tag_drift' | 'grant' | 'revoke' | 'purchase_without_contact' | (string & {});
	system: VendorSystem | null;
	contactId: string | null;
	data: Record<string, unknown>;
}
