import { identifierOptions } from '../contacts/input';
import type { ForgetStep } from '../contacts/steps';
import { forgottenKindAmong } from '../contacts/tombstones';
import { recordEvents } from '../events';
import { openReviewItem } from '../review/review';
import { eventSubject } from '../review/subjects';
import { getLaunchSettings } from '../settings/settings';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import type { PurchaseEvent } from './normalize';

const FORGOTTEN_BODY = '{"forgotten":true}';

/**
 * Forget redacts what purchases kept about a person: the email and customer id on their purchases
 * and the raw webhook bodies (which carry name, email, address) of deliveries matched to them — or
 * that merely mention one of their identifiers (unmatched, rejected), found by searching the body.
 */
export const purchasesForgetStep: ForgetStep = {
	name: 'purchases',
	async forget(tx, context) {
		if (context.contactIds.length === 0) return;
		const purchaseParams: SqlValue[] = [];
		await tx.execute(`UPDATE purchases SET email = NULL, customer_id = NULL WHERE contact_id IN (${inList(context.contactIds, purchaseParams)})`, purchaseParams);
		const tokenParams: SqlValue[] = [];
		await tx.execute(`DELETE FROM checkout_tokens WHERE contact_id IN (${inList(context.contactIds, tokenParams)})`, tokenParams);
		const inboxParams: SqlValue[] = [FORGOTTEN_BODY];
		await tx.execute(`UPDATE purchase_inbox SET raw_body = $1, headers = '{}', remote_address = NULL WHERE contact_id IN (${inList(context.contactIds, inboxParams)})`, inboxParams);
		const contains = tx.dialect === 'postgres' ? 'strpos(raw_body, $2) > 0' : 'instr(raw_body, $2) > 0';
		// Form-encoded bodies (Gumroad) percent-encode the value.
		const needles = new Set(context.values.filter((v) => v.length >= 3).flatMap((v) => [v, encodeURIComponent(v)]));
		for (const needle of needles) {
			await tx.execute(`UPDATE purchase_inbox SET raw_body = $3, headers = '{}', remote_address = NULL WHERE launch = $1 AND ${contains}`, [context.launch, needle, FORGOTTEN_BODY]);
		}
		// A redacted delivery that was never processed can no longer be read: it is closed as ignored
		// (decision "forgotten"), so a replay of unprocessed deliveries does not fail on it every run.
		await tx.execute("UPDATE purchase_inbox SET status = 'ignored', decision = 'forgotten', processed_at = $3 WHERE launch = $1 AND status = 'received' AND raw_body = $2", [
			context.launch,
			FORGOTTEN_BODY,
			context.at,
		]);
	},
};

/** Why a delivery or event was set aside: it names a forgotten identifier (the review desk's words: describe.ts). */
export const FORGOTTEN_PERSON = 'forgotten_person';

/**
 * The one check of the purchase path: the kind of the first identifier this event names (checkout
 * token, provider customer id, email) that belongs to a forgotten person; else "purchase" when it
 * names the payment of a forgotten contact (a dispute names only the payment, and its body may still
 * carry the buyer's name and email as evidence); or null. Checked on arrival, so such a delivery
 * starts no n8n run: n8n never holds its body.
 */
export async function eventNamesForgotten(
	tx: SqlExecutor,
	launch: string,
	event: Pick<PurchaseEvent, 'checkoutToken' | 'customerId' | 'email'> & Partial<Pick<PurchaseEvent, 'provider' | 'orderId'>>,
): Promise<string | null> {
	const kind = await forgottenKindAmong(
		tx,
		launch,
		[
			{ kind: 'purchase_token', value: event.checkoutToken },
			{ kind: 'customer_id', value: event.customerId },
			{ kind: 'email', value: event.email },
		],
		async () => identifierOptions(await getLaunchSettings(tx, launch)),
	);
	if (kind || !event.provider || !event.orderId) return kind;
	const [paid] = await tx.query<{ status: string }>(
		'SELECT c.status FROM purchases p JOIN contacts c ON c.id = p.contact_id WHERE p.launch = $1 AND p.provider = $2 AND p.order_id = $3',
		[launch, event.provider, event.orderId],
	);
	return paid?.status === 'forgotten' ? 'purchase' : null;
}

export async function isForgottenContact(tx: SqlExecutor, contactId: string): Promise<boolean> {
	const [row] = await tx.query<{ status: string }>('SELECT status FROM contacts WHERE id = $1', [contactId]);
	return row?.status === 'forgotten';
}

/** What is kept of a delivery that names a forgotten person: no body, no headers, no address. */
export const FORGOTTEN_DELIVERY = { rawBody: FORGOTTEN_BODY, headers: {}, remoteAddress: null } as const;

/**
 * Sets aside an event that names a forgotten person: matched to no one, no purchase row, no access
 * moved. Its inbox entry (if any) keeps no body; an event and a review item say only which delivery
 * it was, so the creator can settle any money that moved (a refund, a chargeback) with the provider.
 */
export async function setAsideForgotten(
	tx: SqlExecutor,
	input: { launch: string; event: Pick<PurchaseEvent, 'provider' | 'eventId' | 'type' | 'providerType'>; inboxId: string | null; kind: string; source: string; now: number },
): Promise<string> {
	const { event } = input;
	if (input.inboxId) await tx.execute("UPDATE purchase_inbox SET raw_body = $1, headers = '{}', remote_address = NULL WHERE id = $2", [FORGOTTEN_BODY, input.inboxId]);
	// Only ids of the delivery: nothing that could lead back to the person.
	const about = { provider: event.provider, eventId: event.eventId, eventType: event.type, providerType: event.providerType, inboxId: input.inboxId, forgottenKind: input.kind };
	const item = await openReviewItem(tx, { launch: input.launch, kind: 'purchase', reason: FORGOTTEN_PERSON, payload: about, subject: eventSubject(event.provider, event.eventId), source: input.source });
	await recordEvents(tx, [{ launch: input.launch, contactId: null, type: 'purchase.forgotten_person', source: input.source, data: about, at: input.now }]);
	return item.id;
}
