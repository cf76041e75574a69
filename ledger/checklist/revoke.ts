import type { ContactsApi } from '../contacts/api';
import type { OutboxApi } from '../outbox/api';
import type { OutboxEntry } from '../outbox/entry';
import type { PurchasesApi } from '../purchases/api';
import type { Store } from '../store';
import { listRecords } from './records';
import type { ChecklistRun } from './runs';

export interface TestRevokeParts {
	store: Store;
	contacts: ContactsApi;
	purchases: PurchasesApi;
	outbox: OutboxApi;
}

/** A test buyer's access being taken back: the revokes the outbox holds for them, with their status. */
export interface TestRevoke {
	email: string;
	contactId: string;
	/** The products whose access was revoked now (empty on a second Clean Up: queued before). */
	revokedNow: string[];
	revokes: OutboxEntry[];
}

const BY = 'Launch Checklist (clean up)';

/**
 * Clean Up's first ledger part: every test buyer the run gave access (its "delivery" records) loses
 * it through the outbox, as a person's revoke pin would — so the course platform hears of it from
 * the same drain that granted it. Repeating it queues nothing new. The ledger is cleaned only once
 * these revokes are delivered: forgetting the buyer first would leave the drain nobody to revoke.
 */
export async function revokeTestAccess(parts: TestRevokeParts, run: ChecklistRun): Promise<TestRevoke[]> {
	const buyers = (await parts.store.transaction((tx) => listRecords(tx, run.id))).filter((r) => r.system === 'delivery' && r.removal !== 'removed');
	const result: TestRevoke[] = [];
	for (const buyer of buyers) {
		// The test launch since test payments are kept there; the real launch for runs made before.
		const contact =
			(await parts.contacts.find({ launch: run.testLaunch, kind: 'email', value: buyer.recordId })) ?? (await parts.contacts.find({ launch: run.launch, kind: 'email', value: buyer.recordId }));
		if (!contact) continue;
		const { launch } = contact;
		const granted = await parts.store.query<{ product_id: string }>("SELECT product_id FROM access WHERE launch = $1 AND contact_id = $2 AND state = 'granted' ORDER BY product_id", [
			launch,
			contact.id,
		]);
		for (const { product_id: productId } of granted) {
			await parts.purchases.pin({ launch, contactId: contact.id, productId, pin: 'revoke', reason: `test buyer of pre-launch checklist run ${run.id}`, by: BY });
		}
		const revokes = (await parts.outbox.list({ launch, contactId: contact.id, kinds: ['revoke'] })).filter((e) => e.kind === 'revoke');
		result.push({ email: buyer.recordId, contactId: contact.id, revokedNow: granted.map((g) => g.product_id), revokes });
	}
	return result;
}
