import { requiredText } from '../checks';
import { getContact } from '../contacts/records';
import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import { closeReviewSubjects } from '../review/review';
import { accessSubject } from '../review/subjects';
import type { SqlExecutor } from '../store';
import { lockAccess, settleAccess } from './access';
import type { AccessPin } from './access-state';
import { decisionOf, emptyDecision, type PurchaseDecision } from './decision';
import { validateLaunch } from './inbox';

/** A person's override of the payment facts (a pin), and the revoke of refunded access once its window is over. */
export interface PinInput {
	launch: string;
	contactId: string;
	productId: string;
	pin: AccessPin;
	/** Why a person overrides the payment facts; required, and kept in history. */
	reason: string;
	by: string;
	revokeAfterMs?: number;
}

export async function pinAccess(tx: SqlExecutor, input: PinInput): Promise<PurchaseDecision> {
	const launch = validateLaunch(input.launch);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	const productId = requiredText(input.productId, 'productId', 200);
	if (input.pin !== 'grant' && input.pin !== 'revoke') throw new LedgerInputError('pin', 'must be "grant" or "revoke"');
	const reason = requiredText(input.reason, 'reason', 1000);
	const by = requiredText(input.by, 'by', 200);
	const contact = await getContact(tx, contactId);
	if (!contact || contact.launch !== launch) throw new LedgerInputError('contactId', `no contact "${contactId}" in launch "${launch}"`);
	const now = Date.now();
	const before = await lockAccess(tx, launch, contactId, productId, now);
	await tx.execute('UPDATE access SET pin = $1, pin_reason = $2, pinned_by = $3, updated_at = $4 WHERE launch = $5 AND contact_id = $6 AND product_id = $7', [
		input.pin,
		reason,
		by,
		now,
		launch,
		contactId,
		productId,
	]);
	await recordEvents(tx, [{ launch, contactId, type: 'access.pinned', source: by, data: { productId, pin: input.pin, reason, previousPin: before.pin }, at: now }]);
	// A person's pin is what these items asked for: it decides the merged row's access.
	await closeReviewSubjects(tx, launch, ['merged_conflicting_pins', 'unmerge_access_changed'].map((r) => accessSubject(contactId, productId, r)), {
		resolution: `access pinned to "${input.pin}": ${reason}`,
		by,
		now,
	});
	return settleAndDecide(tx, { launch, contactId, productId, revokeAfterMs: input.revokeAfterMs ?? 0, now, reason: `pin:${input.pin}`, source: by });
}

export async function unpinAccess(tx: SqlExecutor, input: { launch: string; contactId: string; productId: string; by: string; reason?: string; revokeAfterMs?: number }): Promise<PurchaseDecision> {
	const launch = validateLaunch(input.launch);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	const productId = requiredText(input.productId, 'productId', 200);
	const by = requiredText(input.by, 'by', 200);
	const now = Date.now();
	const before = await lockAccess(tx, launch, contactId, productId, now);
	if (before.pin === null) return { ...emptyDecision('not_pinned'), contactId, productId, accessState: before.state, revokeAfter: before.revokeAfter };
	await tx.execute('UPDATE access SET pin = NULL, pin_reason = NULL, pinned_by = NULL, updated_at = $1 WHERE launch = $2 AND contact_id = $3 AND product_id = $4', [
		now,
		launch,
		contactId,
		productId,
	]);
	await recordEvents(tx, [{ launch, contactId, type: 'access.unpinned', source: by, data: { productId, pin: before.pin, reason: input.reason ?? null }, at: now }]);
	return settleAndDecide(tx, { launch, contactId, productId, revokeAfterMs: input.revokeAfterMs ?? 0, now, reason: 'unpinned', source: by });
}

async function settleAndDecide(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; productId: string; revokeAfterMs: number; now: number; reason: string; source: string },
): Promise<PurchaseDecision> {
	const settled = await settleAccess(tx, input);
	return {
		...emptyDecision(input.reason),
		decision: decisionOf(settled.effect),
		contactId: input.contactId,
		productId: input.productId,
		accessState: settled.access.state,
		revokeAfter: settled.access.revokeAfter,
		outboxId: settled.outboxId,
	};
}

/** Revokes every refunded access whose window is over. Called by the sweep; safe to run concurrently. */
export async function dueRevocations(tx: SqlExecutor, input: { launch: string; now?: number; limit?: number }): Promise<PurchaseDecision[]> {
	const launch = validateLaunch(input.launch);
	const now = input.now ?? Date.now();
	const limit = Math.max(1, Math.min(input.limit ?? 500, 5000));
	const skipLocked = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
	const due = await tx.query<{ contact_id: string; product_id: string }>(
		`SELECT contact_id, product_id FROM access WHERE launch = $1 AND state = 'revoke_pending' AND revoke_after <= $2 ORDER BY revoke_after LIMIT $3${skipLocked}`,
		[launch, now, limit],
	);
	const decisions: PurchaseDecision[] = [];
	// The window is already in revoke_after; 0 keeps accessTarget from moving it.
	for (const row of due) decisions.push(await settleAndDecide(tx, { launch, contactId: row.contact_id, productId: row.product_id, revokeAfterMs: 0, now, reason: 'refund_window_over', source: 'sweep' }));
	return decisions;
}
