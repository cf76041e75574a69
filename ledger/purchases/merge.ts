import { recordEvents } from '../events';
import type { MergeStep, MergeStepContext } from '../contacts/steps';
import { openReviewItem } from '../review/review';
import { accessSubject } from '../review/subjects';
import { forUpdate, inList, type SqlExecutor, type SqlValue } from '../store';
import { settleAccess, toAccess, type AccessRecord, type AccessRow } from './access';
import type { AccessPin, AccessState } from './access-state';

/**
 * Merge and unmerge for purchases and access (a merge step the Ledger hands to contacts).
 *
 * Merge: the merged-away contact's purchases and inbox entries move to the surviving contact, and so
 * does its access per product. When both contacts have an access row for one product, the two become
 * the survivor's one row by this rule:
 *   - state: the one with more access (granted > revoke_pending > revoked > none), with its
 *     revoke-after time — whatever the vendor was told to give, the person keeps until the facts say
 *     otherwise;
 *   - pin: the survivor's, else the merged-away contact's (a person's override follows the person);
 *     two different pins keep the survivor's and open a review item ("merged_conflicting_pins");
 *   - version: the higher of the two, so an outbox key (contact, product, version) is never reused;
 *   - both held access at the vendor: the ledger keeps one grant and sends nothing, and opens a review
 *     item ("merged_duplicate_access") so a person can remove the extra vendor account;
 *   - an "access.merged" event on the survivor records both rows and what was kept.
 * Then the row is settled against all purchases now on the survivor: a refund or capture that
 * arrives later is decided once, on one row (never a second grant for the same product).
 *
 * Unmerge: a product's access goes back (both rows as they were before the merge, the merged-away
 * contact's purchases with it) only when the merge itself changed nothing and the row has not moved
 * since (same version, same pin). Otherwise the vendor may already have been told something about the merged row that cannot
 * be split between two people: the row and those purchases stay on the survivor and a review item
 * ("unmerge_access_changed") asks a person to decide (e.g. with an access pin).
 */

const RANK: Record<AccessState, number> = { none: 0, revoked: 1, revoke_pending: 2, granted: 3 };
const hasAccess = (state: AccessState) => state === 'granted' || state === 'revoke_pending';

type AccessSnapshot = Pick<AccessRecord, 'state' | 'version' | 'revokeAfter' | 'pin' | 'pinReason' | 'pinnedBy'>;

interface ProductMove {
	productId: string;
	/** The rows before the merge (null: that contact had none). */
	source: AccessSnapshot | null;
	target: AccessSnapshot | null;
	/** The survivor's row version right after the merge; a later transition changes it. */
	mergedVersion: number;
	/** Its pin right after the merge; a pin set or removed while merged does not change the version. */
	mergedPin?: { pin: AccessPin | null; reason: string | null };
	/** The merge's own settle changed access (and may have told the vendor): not undone automatically. */
	changedByMerge: boolean;
}

interface PurchasesMergeRecord {
	purchases: { id: string; productId: string | null }[];
	inboxIds: string[];
	products: ProductMove[];
}

function snapshotOf(a: AccessRecord): AccessSnapshot {
	return { state: a.state, version: a.version, revokeAfter: a.revokeAfter, pin: a.pin, pinReason: a.pinReason, pinnedBy: a.pinnedBy };
}

async function accessRow(tx: SqlExecutor, launch: string, contactId: string, productId: string): Promise<AccessRecord | null> {
	const [row] = await tx.query<AccessRow>(`SELECT * FROM access WHERE launch = $1 AND contact_id = $2 AND product_id = $3${forUpdate(tx)}`, [launch, contactId, productId]);
	return row ? toAccess(row) : null;
}

async function writeAccess(tx: SqlExecutor, launch: string, contactId: string, productId: string, s: AccessSnapshot, now: number): Promise<void> {
	await tx.execute(
		`INSERT INTO access (launch, contact_id, product_id, state, version, revoke_after, pin, pin_reason, pinned_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		 ON CONFLICT (launch, contact_id, product_id) DO UPDATE SET state = excluded.state, version = excluded.version, revoke_after = excluded.revoke_after,
		   pin = excluded.pin, pin_reason = excluded.pin_reason, pinned_by = excluded.pinned_by, updated_at = excluded.updated_at`,
		[launch, contactId, productId, s.state, s.version, s.revokeAfter, s.pin, s.pinReason, s.pinnedBy, now],
	);
}

/** Moves purchases by id from one contact to another (only those still on `from`), 500 at a time. */
async function movePurchases(tx: SqlExecutor, ids: readonly string[], from: string, to: string): Promise<void> {
	for (let i = 0; i < ids.length; i += 500) {
		const params: SqlValue[] = [to, from];
		await tx.execute(`UPDATE purchases SET contact_id = $1 WHERE contact_id = $2 AND id IN (${inList(ids.slice(i, i + 500), params)})`, params);
	}
}

async function mergePurchases(tx: SqlExecutor, ctx: MergeStepContext): Promise<PurchasesMergeRecord> {
	const { launch, sourceId, targetId, now } = ctx;
	const source = ctx.source ?? 'merge';
	const purchases = await tx.query<{ id: string; product_id: string | null }>(
		'UPDATE purchases SET contact_id = $1 WHERE launch = $2 AND contact_id = $3 RETURNING id, product_id',
		[targetId, launch, sourceId],
	);
	const inbox = await tx.query<{ id: string }>('UPDATE purchase_inbox SET contact_id = $1 WHERE launch = $2 AND contact_id = $3 RETURNING id', [targetId, launch, sourceId]);
	const sourceRows = (await tx.query<AccessRow>(`SELECT * FROM access WHERE launch = $1 AND contact_id = $2 ORDER BY product_id${forUpdate(tx)}`, [launch, sourceId])).map(toAccess);
	const productIds = [...new Set([...sourceRows.map((r) => r.productId), ...purchases.map((p) => p.product_id).filter((p): p is string => p !== null)])].sort();
	const products: ProductMove[] = [];
	for (const productId of productIds) {
		const from = sourceRows.find((r) => r.productId === productId) ?? null;
		const into = await accessRow(tx, launch, targetId, productId);
		if (from && !into) {
			await tx.execute('UPDATE access SET contact_id = $1 WHERE launch = $2 AND contact_id = $3 AND product_id = $4', [targetId, launch, sourceId, productId]);
		} else if (from && into) {
			const kept = RANK[from.state] > RANK[into.state] ? from : into;
			const pinned = into.pin !== null ? into : from.pin !== null ? from : null;
			const combined: AccessSnapshot = {
				state: kept.state,
				revokeAfter: kept.revokeAfter,
				version: Math.max(from.version, into.version),
				pin: pinned?.pin ?? null,
				pinReason: pinned?.pinReason ?? null,
				pinnedBy: pinned?.pinnedBy ?? null,
			};
			await writeAccess(tx, launch, targetId, productId, combined, now);
			await tx.execute('DELETE FROM access WHERE launch = $1 AND contact_id = $2 AND product_id = $3', [launch, sourceId, productId]);
			const reviews: string[] = [];
			const review = async (reason: string) => {
				const item = await openReviewItem(tx, {
					launch,
					kind: 'access',
					reason,
					contactId: targetId,
					otherContactId: sourceId,
					payload: { productId, source: snapshotOf(from), target: snapshotOf(into), kept: combined },
					subject: accessSubject(targetId, productId, reason),
					source,
				});
				reviews.push(item.id);
			};
			if (from.pin !== null && into.pin !== null && from.pin !== into.pin) await review('merged_conflicting_pins');
			if (hasAccess(from.state) && hasAccess(into.state)) await review('merged_duplicate_access');
			await recordEvents(tx, [
				{
					launch,
					contactId: targetId,
					type: 'access.merged',
					source,
					data: { productId, mergedFrom: sourceId, source: snapshotOf(from), target: snapshotOf(into), kept: combined.state, pin: combined.pin as AccessPin | null, reviewIds: reviews },
					at: now,
				},
			]);
		}
		// The survivor's row against every purchase it now holds (0: refund windows are fixed on the purchase).
		const settled = await settleAccess(tx, { launch, contactId: targetId, productId, revokeAfterMs: 0, now, reason: 'merged', source, context: { mergedFrom: sourceId } });
		products.push({
			productId,
			source: from ? snapshotOf(from) : null,
			target: into ? snapshotOf(into) : null,
			mergedVersion: settled.access.version,
			mergedPin: { pin: settled.access.pin, reason: settled.access.pinReason },
			changedByMerge: settled.outboxId !== null || settled.access.version !== Math.max(from?.version ?? 0, into?.version ?? 0),
		});
	}
	return { purchases: purchases.map((p) => ({ id: p.id, productId: p.product_id })), inboxIds: inbox.map((i) => i.id), products };
}

async function unmergePurchases(tx: SqlExecutor, ctx: MergeStepContext, raw: unknown): Promise<{ reviewIds: string[] }> {
	const { launch, sourceId, targetId, now } = ctx;
	const source = ctx.source ?? 'unmerge';
	const record = raw as PurchasesMergeRecord;
	const reviewIds: string[] = [];
	// Group the moved purchases by the product they name now (one may have learned its product while merged).
	const movedIds = record.purchases.map((p) => p.id);
	const current = new Map<string, string | null>();
	for (let i = 0; i < movedIds.length; i += 500) {
		const params: SqlValue[] = [targetId];
		const rows = await tx.query<{ id: string; product_id: string | null }>(
			`SELECT id, product_id FROM purchases WHERE contact_id = $1 AND id IN (${inList(movedIds.slice(i, i + 500), params)})${forUpdate(tx)}`,
			params,
		);
		for (const r of rows) current.set(r.id, r.product_id);
	}
	const byProduct = new Map<string | null, string[]>();
	for (const [id, productId] of current) byProduct.set(productId, [...(byProduct.get(productId) ?? []), id]);
	// Purchases that still name no product never touched access: back they go.
	await movePurchases(tx, byProduct.get(null) ?? [], targetId, sourceId);

	const recorded = new Map(record.products.map((p) => [p.productId, p]));
	const productIds = [...new Set([...recorded.keys(), ...[...byProduct.keys()].filter((p): p is string => p !== null)])].sort();
	for (const productId of productIds) {
		const move = recorded.get(productId);
		const row = await accessRow(tx, launch, targetId, productId);
		const purchaseIds = byProduct.get(productId) ?? [];
		const samePin = !move?.mergedPin || (row?.pin === move.mergedPin.pin && row?.pinReason === move.mergedPin.reason);
		if (move && !move.changedByMerge && row && row.version === move.mergedVersion && samePin) {
			await movePurchases(tx, purchaseIds, targetId, sourceId);
			if (move.source) await writeAccess(tx, launch, sourceId, productId, move.source, now);
			// The survivor keeps the merged version number, so its outbox keys stay unique.
			const before = move.target ?? { state: 'none', version: 0, revokeAfter: null, pin: null, pinReason: null, pinnedBy: null };
			await writeAccess(tx, launch, targetId, productId, { ...before, version: move.mergedVersion }, now);
			for (const contactId of [sourceId, targetId]) {
				await settleAccess(tx, { launch, contactId, productId, revokeAfterMs: 0, now, reason: 'unmerged', source, context: { unmergedFrom: targetId } });
			}
			continue;
		}
		const item = await openReviewItem(tx, {
			launch,
			kind: 'access',
			reason: 'unmerge_access_changed',
			contactId: targetId,
			otherContactId: sourceId,
			payload: {
				productId,
				accessState: row?.state ?? 'none',
				purchaseIds,
				note: 'Access to this product changed while the contacts were merged; it stays on this contact with its purchases. Pin access on either contact to decide.',
			},
			subject: accessSubject(targetId, productId, 'unmerge_access_changed'),
			source,
		});
		reviewIds.push(item.id);
	}
	for (let i = 0; i < record.inboxIds.length; i += 500) {
		const params: SqlValue[] = [sourceId, targetId];
		await tx.execute(`UPDATE purchase_inbox SET contact_id = $1 WHERE contact_id = $2 AND id IN (${inList(record.inboxIds.slice(i, i + 500), params)})`, params);
	}
	return { reviewIds };
}

export const purchasesMergeStep: MergeStep = { name: 'purchases', merge: mergePurchases, unmerge: unmergePurchases };
