import { linkIdentifier } from '../contacts/identifiers';
import { findContact, lockContacts } from '../contacts/records';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import type { PurchaseEvent } from './normalize';

/** Matching a payment to a contact: token → provider customer id → email. */
export type MatchedBy = 'token' | 'customer_id' | 'email';

async function findBy(tx: SqlExecutor, launch: string, kind: string, value: string | null): Promise<string | null> {
	if (!value) return null;
	try {
		const contact = await findContact(tx, { launch, kind, value });
		if (!contact) return null;
		// A contact merged into another is that other person now.
		return contact.status === 'merged' && contact.mergedInto ? contact.mergedInto : contact.status === 'active' ? contact.id : null;
	} catch (e) {
		if (e instanceof LedgerInputError) return null; // an unreadable email matches nobody
		throw e;
	}
}

/** token → provider customer id → email (any linked email); null when nothing matches. */
export async function matchPurchase(tx: SqlExecutor, launch: string, event: PurchaseEvent): Promise<{ contactId: string; matchedBy: MatchedBy } | null> {
	const byToken = await findBy(tx, launch, 'purchase_token', event.checkoutToken);
	if (byToken) return { contactId: byToken, matchedBy: 'token' };
	const byCustomer = await findBy(tx, launch, 'customer_id', event.customerId);
	if (byCustomer) return { contactId: byCustomer, matchedBy: 'customer_id' };
	const byEmail = await findBy(tx, launch, 'email', event.email);
	if (byEmail) return { contactId: byEmail, matchedBy: 'email' };
	return null;
}

/**
 * The matched contact, locked, followed to where a merge committed after the match read it moved
 * the person (so a new purchase never lands on a merged-away contact); null if forgotten meanwhile.
 * Only for a purchase that names no contact yet: merge cannot be waiting on that new row, so taking
 * the contact lock here cannot deadlock with it.
 */
export async function lockMatchedContact(tx: SqlExecutor, contactId: string): Promise<string | null> {
	let id = contactId;
	for (let hops = 0; hops < 20; hops++) {
		const row = (await lockContacts(tx, [id])).get(id);
		if (!row) return null;
		if (row.status === 'active') return id;
		if (row.status !== 'merged' || !row.merged_into) return null;
		id = row.merged_into;
	}
	return null;
}

/** Links what the purchase tells about the person: the provider customer id and the email paid with. */
export async function linkPurchaseIdentifiers(tx: SqlExecutor, launch: string, contactId: string, event: PurchaseEvent, source: string): Promise<string[]> {
	const linked: string[] = [];
	for (const [kind, value] of [
		['customer_id', event.customerId],
		['email', event.email],
	] as const) {
		if (!value) continue;
		try {
			// Within the identity limits: a link that would break one becomes a review item there.
			const result = await linkIdentifier(tx, { launch, contactId, kind, value, source });
			if (result.status === 'linked') linked.push(`${kind}:${result.identifier.display ?? result.identifier.value}`);
		} catch (e) {
			if (!(e instanceof LedgerInputError)) throw e;
		}
	}
	return linked;
}
