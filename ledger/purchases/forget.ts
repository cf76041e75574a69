import type { ForgetStep } from '../contacts/steps';
import { inList, type SqlValue } from '../store';

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
