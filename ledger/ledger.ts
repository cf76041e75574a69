import { AbuseApi } from './abuse/api';
import { abuseForgetStep, abuseMergeStep } from './abuse/contact-steps';
import { CaptureApi } from './capture/api';
import { ChecklistApi } from './checklist/api';
import { captureRejectionsForgetStep } from './capture/rejections';
import { ContactsApi } from './contacts/api';
import type { ContactSteps } from './contacts/steps';
import { MonitorApi } from './monitor/api';
import { monitorForgetStep } from './monitor/forget';
import { OutboxApi } from './outbox/api';
import { OptInApi } from './optin/api';
import { optinForgetStep, optinMergeStep } from './optin/contact-steps';
import { PagesApi } from './pages/api';
import { outboxForgetStep, outboxMergeStep } from './outbox/contact-steps';
import { PurchasesApi } from './purchases/api';
import { purchasesForgetStep } from './purchases/forget';
import { purchasesMergeStep } from './purchases/merge';
import { ReconcileApi } from './reconcile/api';
import { ReferralsApi } from './referrals/api';
import { referralsForgetStep, referralsMergeStep } from './referrals/contact-steps';
import { ReviewApi } from './review/api';
import { SettingsApi } from './settings/api';
import { schemaVersion, type Store } from './store';
import { TagsApi } from './tags/api';

/**
 * What merge, unmerge and forget do beyond the contact's own rows: every resource that keeps rows per
 * contact lists its step here. Merge runs in this order, unmerge backwards: the outbox moves first, so
 * the purchases step's settle finds the grants sent to the merged-away contact's address.
 */
export const CONTACT_STEPS: ContactSteps = {
	merge: [outboxMergeStep, purchasesMergeStep, abuseMergeStep, referralsMergeStep, optinMergeStep],
	forget: [outboxForgetStep, captureRejectionsForgetStep, purchasesForgetStep, monitorForgetStep, abuseForgetStep, referralsForgetStep, optinForgetStep],
};

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
	readonly monitor: MonitorApi;
	readonly pages: PagesApi;
	readonly checklist: ChecklistApi;
	readonly abuse: AbuseApi;
	readonly referrals: ReferralsApi;
	readonly optin: OptInApi;

	constructor(readonly store: Store) {
		this.contacts = new ContactsApi(store, CONTACT_STEPS);
		this.tags = new TagsApi(store);
		this.settings = new SettingsApi(store);
		this.review = new ReviewApi(store, CONTACT_STEPS.merge);
		this.capture = new CaptureApi(store);
		this.outbox = new OutboxApi(store);
		this.reconcile = new ReconcileApi(store);
		this.purchases = new PurchasesApi(store);
		this.monitor = new MonitorApi(store);
		this.pages = new PagesApi(store);
		this.abuse = new AbuseApi(store);
		this.referrals = new ReferralsApi(store);
		this.optin = new OptInApi(store);
		this.checklist = new ChecklistApi(store, { contacts: this.contacts, purchases: this.purchases, outbox: this.outbox, tags: this.tags, settings: this.settings, monitor: this.monitor });
	}

	schemaVersion(): Promise<number> {
		return schemaVersion(this.store);
	}

	close(): Promise<void> {
		this.outbox.claimKeeper.clear();
		return this.store.close();
	}
}
