/**
 * The causes review items name (`review_items.subject`). One cause has at most one open item, and
 * whatever settles the cause closes its items by this name. Subjects carry ids only, never an email
 * or a name, so forgetting a person leaves nothing personal in them.
 */

/**
 * A purchase, by its order id. Keyed on the order id alone: the checkout lists reconciliation reads
 * do not name the provider, and the webhook's item and the sweep's item about one order must be the
 * same cause (provider order ids carry their own prefixes: cs_…, pi_…, Gumroad sale ids).
 */
export const orderSubject = (orderId: string): string => `order:${orderId}`;

/** A payment event that names no order (it can only be settled by a person, event by event). */
export const eventSubject = (provider: string, eventId: string): string => `event:${provider}:${eventId}`;

/** Two contacts that may be one person; the same pair whichever of the two is named first. */
export function contactPairSubject(a: string, b: string): string {
	return a < b ? `contacts:${a}:${b}` : `contacts:${b}:${a}`;
}

/** A contact that reached its limit of identifiers of one kind. */
export const identifierLimitSubject = (contactId: string, kind: string): string => `identifier-limit:${contactId}:${kind}`;

/** A merged (contact, product) access row a person must look at, per reason (pins in conflict, access held twice …). */
export const accessSubject = (contactId: string, productId: string, reason: string): string => `access:${contactId}:${productId}:${reason}`;

/** An outbox entry (a held grant, a dead letter). */
export const outboxSubject = (entryId: string): string => `outbox:${entryId}`;
