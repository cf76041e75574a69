import type { IDataObject } from 'n8n-workflow';

import type { Ledger, OutboxEntry, ReferralFields } from '../../ledger';

/**
 * What a vendor step needs to know about an outbox entry's contact: the email to upsert, the name
 * and campaign fields to send along, the ledger's tags. Entries only carry the contact id (the
 * payload is fixed when the work is decided; the contact may change before it is sent), so this
 * is read at claim time — the vendor gets the contact as it is now.
 */
export async function contactForVendor(ledger: Ledger, contactId: string | null): Promise<IDataObject | null> {
	if (!contactId) return null;
	// A merged contact lives on in the one it was merged into; that one is what vendors should have.
	const contact = await ledger.contacts.current(contactId);
	if (!contact) return null;
	const profile = contact.profile as IDataObject;
	return {
		id: contact.id,
		status: contact.status,
		email: contact.email,
		phone: contact.phone,
		firstName: typeof profile.first_name === 'string' ? profile.first_name : '',
		lastName: typeof profile.last_name === 'string' ? profile.last_name : '',
		profile,
		firstTouch: (contact.firstTouch ?? {}) as IDataObject,
		lastTouch: (contact.lastTouch ?? {}) as IDataObject,
		tags: contact.tags,
		isTest: contact.isTest,
		// Record IDs the ledger holds in other systems (ext:pipedrive → externalIds.pipedrive), so a
		// vendor step can update the record it made before instead of searching for it.
		externalIds: Object.fromEntries(contact.identifiers.filter((i) => i.kind.startsWith('ext:')).map((i) => [i.kind.slice(4), i.value])),
	};
}

/** Adds `contact` to each entry item, reading each contact once. */
export async function withContacts<T extends IDataObject & { contactId?: unknown }>(ledger: Ledger, entries: T[]): Promise<T[]> {
	const cache = new Map<string, IDataObject | null>();
	for (const entry of entries) {
		const id = typeof entry.contactId === 'string' ? entry.contactId : null;
		if (id && !cache.has(id)) cache.set(id, await contactForVendor(ledger, id));
		(entry as IDataObject).contact = id ? (cache.get(id) ?? null) : null;
	}
	return entries;
}

/** An entry as an output item: everything a vendor step needs, plus the claim proof when claimed. */
export function entryJson(entry: OutboxEntry & { claimToken?: string; referralFields?: ReferralFields }): IDataObject {
	return {
		id: entry.id,
		// The drain of a launch also hands out its open checklist runs' test work: the entry's own launch.
		launch: entry.launch,
		kind: entry.kind,
		idempotencyKey: entry.idempotencyKey,
		contactId: entry.contactId,
		payload: entry.payload as IDataObject,
		status: entry.status,
		attempts: entry.attempts,
		maxAttempts: entry.maxAttempts,
		...(entry.claimToken ? { claimToken: entry.claimToken } : {}),
		leaseUntil: entry.leaseUntil,
		nextAttemptAt: entry.nextAttemptAt,
		lastError: entry.lastError,
		responseId: entry.responseId,
		createdAt: entry.createdAt,
		// An ESP sync's referral custom fields as the ledger has them now (place_in_line, referral_count).
		...(entry.referralFields ? { referral: { ...entry.referralFields } } : {}),
	};
}
