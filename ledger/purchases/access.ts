import { getContact } from '../contacts/records';
import { recordEvents } from '../events';
import { enqueueOutboxEntry } from '../outbox/enqueue';
import { forUpdate, type SqlExecutor } from '../store';
import { accessTarget, nextAccessState, type AccessPin, type AccessState, type PurchaseFacts } from './access-state';

/** Access per (contact, product) as stored, and settling it: the transition, its event and its outbox entry. */
export interface AccessRecord {
	launch: string;
	contactId: string;
	productId: string;
	state: AccessState;
	version: number;
	revokeAfter: number | null;
	pin: AccessPin | null;
	pinReason: string | null;
	pinnedBy: string | null;
	updatedAt: number;
}

export type AccessRow = {
	launch: string;
	contact_id: string;
	product_id: string;
	state: string;
	version: number;
	revoke_after: number | null;
	pin: string | null;
	pin_reason: string | null;
	pinned_by: string | null;
	updated_at: number;
};

export function toAccess(r: AccessRow): AccessRecord {
	return {
		launch: r.launch,
		contactId: r.contact_id,
		productId: r.product_id,
		state: r.state as AccessState,
		version: Number(r.version),
		revokeAfter: r.revoke_after === null ? null : Number(r.revoke_after),
		pin: r.pin as AccessPin | null,
		pinReason: r.pin_reason,
		pinnedBy: r.pinned_by,
		updatedAt: Number(r.updated_at),
	};
}

export async function lockAccess(tx: SqlExecutor, launch: string, contactId: string, productId: string, now: number): Promise<AccessRecord> {
	await tx.execute(
		`INSERT INTO access (launch, contact_id, product_id, state, version, updated_at) VALUES ($1, $2, $3, 'none', 0, $4)
		 ON CONFLICT (launch, contact_id, product_id) DO NOTHING`,
		[launch, contactId, productId, now],
	);
	const [row] = await tx.query<AccessRow>(`SELECT * FROM access WHERE launch = $1 AND contact_id = $2 AND product_id = $3${forUpdate(tx)}`, [launch, contactId, productId]);
	return toAccess(row!);
}

async function purchaseFactsOf(tx: SqlExecutor, launch: string, contactId: string, productId: string): Promise<PurchaseFacts[]> {
	const rows = await tx.query<{ captured_at: number | null; refunded_at: number | null; revoke_at: number | null; dispute: string | null }>(
		'SELECT captured_at, refunded_at, revoke_at, dispute FROM purchases WHERE launch = $1 AND contact_id = $2 AND product_id = $3',
		[launch, contactId, productId],
	);
	return rows.map((r) => ({ captured: r.captured_at !== null, refundedAt: r.refunded_at === null ? null : Number(r.refunded_at), revokeAt: r.revoke_at === null ? null : Number(r.revoke_at), dispute: r.dispute as PurchaseFacts['dispute'] }));
}

/** The email of the latest grant of this product sent for the contact (merge moves the person's entries with it), or null. */
async function grantedEmail(tx: SqlExecutor, launch: string, contactId: string, productId: string): Promise<string | null> {
	const grants = await tx.query<{ payload: string }>(`SELECT payload FROM outbox WHERE launch = $1 AND contact_id = $2 AND kind = 'grant' ORDER BY seq DESC`, [launch, contactId]);
	for (const g of grants) {
		const payload = JSON.parse(g.payload) as { productId?: unknown; email?: unknown };
		if (payload.productId === productId && typeof payload.email === 'string') return payload.email;
	}
	return null;
}

export interface SettleResult {
	access: AccessRecord;
	effect: 'grant' | 'revoke' | null;
	outboxId: string | null;
}

/**
 * Moves one (contact, product) to what its facts and pin say, inside the caller's transaction: the
 * transition is an event, and its grant / revoke is an outbox entry whose idempotency key names the
 * transition (contact, product, version), so the same transition can never be enqueued twice.
 */
export async function settleAccess(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; productId: string; revokeAfterMs: number; now: number; reason: string; source: string; context?: Record<string, unknown> },
): Promise<SettleResult> {
	const { launch, contactId, productId, now } = input;
	const current = await lockAccess(tx, launch, contactId, productId, now);
	const target = accessTarget(await purchaseFactsOf(tx, launch, contactId, productId), current.pin, input.revokeAfterMs);
	const next = nextAccessState(current.state, current.revokeAfter, target, now);
	if (next.state === current.state && next.revokeAfter === current.revokeAfter) return { access: current, effect: null, outboxId: null };
	const version = current.version + 1;
	await tx.execute('UPDATE access SET state = $1, revoke_after = $2, version = $3, updated_at = $4 WHERE launch = $5 AND contact_id = $6 AND product_id = $7', [
		next.state,
		next.revokeAfter,
		version,
		now,
		launch,
		contactId,
		productId,
	]);
	let outboxId: string | null = null;
	if (next.effect) {
		const contact = await getContact(tx, contactId);
		// A revoke goes to the address the grant went to: after a merge that can be the merged-away
		// contact's email, not the surviving contact's.
		const email = (next.effect === 'revoke' ? await grantedEmail(tx, launch, contactId, productId) : null) ?? contact?.email ?? null;
		const entry = await enqueueOutboxEntry(tx, {
			launch,
			kind: next.effect,
			idempotencyKey: `access:${contactId}:${productId}:${version}:${next.effect}`,
			contactId,
			payload: { productId, email, reason: input.reason, ...input.context },
			source: input.source,
		});
		outboxId = entry.id;
	}
	await recordEvents(tx, [
		{
			launch,
			contactId,
			type: `access.${next.state}`,
			source: input.source,
			data: { productId, from: current.state, to: next.state, reason: input.reason, revokeAfter: next.revokeAfter, effect: next.effect, outboxId, ...input.context },
			at: now,
		},
	]);
	return { access: { ...current, state: next.state, revokeAfter: next.revokeAfter, version, updatedAt: now }, effect: next.effect, outboxId };
}

export async function getAccess(tx: SqlExecutor, input: { launch: string; contactId: string; productId: string }): Promise<AccessRecord | null> {
	const [row] = await tx.query<AccessRow>('SELECT * FROM access WHERE launch = $1 AND contact_id = $2 AND product_id = $3', [input.launch, input.contactId, input.productId]);
	return row ? toAccess(row) : null;
}
