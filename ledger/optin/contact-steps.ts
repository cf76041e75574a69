import type { ForgetStep, MergeStep } from '../contacts/steps';
import { inList, type SqlValue } from '../store';
import { confirmContact } from './confirm';

type OptInRow = { status: string; sent_by: string; requested_at: number | string; confirmed_at: number | string | null; confirmed_by: string | null };

/**
 * A merged person must confirm only if both halves had to and neither has: a half that confirmed (or
 * never had to) vouches for the person, and the merged contact's waiting syncs and referral are
 * released. The merged-away half's row is dropped (kept on the merge event; unmerge puts it back).
 */
export const optinMergeStep: MergeStep = {
	name: 'optin',
	async merge(tx, { launch, sourceId, targetId, now, source }) {
		const read = async (id: string) => (await tx.query<OptInRow>('SELECT status, sent_by, requested_at, confirmed_at, confirmed_by FROM optin_confirmations WHERE launch = $1 AND contact_id = $2', [launch, id]))[0] ?? null;
		const sourceRow = await read(sourceId);
		const targetRow = await read(targetId);
		if (!sourceRow) {
			if (targetRow?.status === 'unconfirmed') await confirmContact(tx, { launch, contactId: targetId, by: 'merge', now, source });
			return { sourceRow };
		}
		await tx.execute('DELETE FROM optin_confirmations WHERE launch = $1 AND contact_id = $2', [launch, sourceId]);
		if (targetRow?.status === 'unconfirmed' && sourceRow.status === 'confirmed') await confirmContact(tx, { launch, contactId: targetId, by: 'merge', now, source });
		// The outbox step moved the source's waiting syncs to the target; a target that never had to confirm sends them.
		if (!targetRow && sourceRow.status === 'unconfirmed') {
			await tx.execute(
				`INSERT INTO optin_confirmations (launch, contact_id, status, sent_by, requested_at) VALUES ($1, $2, 'unconfirmed', $3, $4)`,
				[launch, targetId, sourceRow.sent_by, Number(sourceRow.requested_at)],
			);
			await confirmContact(tx, { launch, contactId: targetId, by: 'merge', now, source });
		}
		return { sourceRow };
	},
	async unmerge(tx, { launch, sourceId }, record) {
		const row = (record as { sourceRow?: OptInRow | null }).sourceRow;
		if (row) {
			await tx.execute(
				`INSERT INTO optin_confirmations (launch, contact_id, status, sent_by, requested_at, confirmed_at, confirmed_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (launch, contact_id) DO NOTHING`,
				[launch, sourceId, row.status, row.sent_by, Number(row.requested_at), row.confirmed_at === null ? null : Number(row.confirmed_at), row.confirmed_by],
			);
		}
		return { reviewIds: [] };
	},
};

/** A forgotten person is no longer asked to confirm; syncs that waited for it are never sent. */
export const optinForgetStep: ForgetStep = {
	name: 'optin',
	async forget(tx, { contactIds }) {
		const params: SqlValue[] = [];
		const list = inList(contactIds, params);
		await tx.execute(`DELETE FROM optin_confirmations WHERE contact_id IN (${list})`, params);
		await tx.execute(`UPDATE outbox SET status = 'discarded' WHERE status = 'unconfirmed' AND contact_id IN (${list})`, params);
	},
};
