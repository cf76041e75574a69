import { recordEvent } from '../events';
import { inList, type SqlExecutor, type SqlValue } from '../store';

/**
 * Double opt-in: a person asked to confirm their address is `unconfirmed` until they do, then
 * `confirmed`, once. While unconfirmed their ESP / CRM syncs wait in the outbox (status
 * `unconfirmed`: never claimed) and the referral that brought them is withheld; confirming releases
 * both in the same transaction. A contact with no row never had to confirm.
 */

/** Who sends the confirmation email: n8n (Send Email node, the ledger's signed link) or the ESP's own double opt-in. */
export type ConfirmationSender = 'n8n' | 'esp';

/** The outbox kind of the confirmation email n8n sends. */
export const CONFIRMATION_EMAIL_KIND = 'optin_email';

/** The reason on a referral credit withheld until the referred person confirms. */
export const UNCONFIRMED_REASON = 'unconfirmed: waiting for the confirmation link';

/**
 * Which syncs wait for the confirmation. With the ESP's own double opt-in the ESP sync is what asks
 * the ESP to send its confirmation email (Kit: a form subscribe), so it goes out; the CRM and tag
 * syncs wait. With n8n's email, every vendor sync waits.
 */
export function kindAwaitsConfirmation(kind: string, sentBy: ConfirmationSender): boolean {
	if (kind === 'crm_sync' || kind === 'tag_sync') return true;
	return kind === 'esp_sync' && sentBy === 'n8n';
}

/** Of these contacts, those still unconfirmed, with who sends their confirmation. */
export async function awaitingConfirmation(tx: SqlExecutor, launch: string, contactIds: readonly string[]): Promise<Map<string, ConfirmationSender>> {
	const found = new Map<string, ConfirmationSender>();
	const unique = [...new Set(contactIds)];
	for (let i = 0; i < unique.length; i += 500) {
		const params: SqlValue[] = [launch];
		const rows = await tx.query<{ contact_id: string; sent_by: ConfirmationSender }>(
			`SELECT contact_id, sent_by FROM optin_confirmations WHERE launch = $1 AND status = 'unconfirmed' AND contact_id IN (${inList(unique.slice(i, i + 500), params)})`,
			params,
		);
		for (const r of rows) found.set(r.contact_id, r.sent_by);
	}
	return found;
}

/** Marks a new signup unconfirmed (once: the primary key keeps the first request). Returns whether this call asked. */
export async function requestConfirmation(tx: SqlExecutor, input: { launch: string; contactId: string; sentBy: ConfirmationSender; now: number; source?: string }): Promise<boolean> {
	const inserted = await tx.query<{ contact_id: string }>(
		`INSERT INTO optin_confirmations (launch, contact_id, status, sent_by, requested_at) VALUES ($1, $2, 'unconfirmed', $3, $4)
		 ON CONFLICT (launch, contact_id) DO NOTHING RETURNING contact_id`,
		[input.launch, input.contactId, input.sentBy, input.now],
	);
	if (inserted.length === 0) return false;
	await recordEvent(tx, { launch: input.launch, contactId: input.contactId, type: 'optin.requested', source: input.source, data: { sentBy: input.sentBy }, at: input.now });
	return true;
}

