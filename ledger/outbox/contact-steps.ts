import type { ForgetStep, MergeStep } from '../contacts/steps';
import { inList, type SqlValue } from '../store';
import { wakeWaitingSyncs } from './waiting';

/**
 * A merge moves every outbox entry of the merged-away contact to the surviving one — open entries so
 * their work (and the held-entries tag) follows the person, finished ones so a later revoke can find
 * the address its grant went to. Idempotency keys stay as they were. Unmerge moves those entries back.
 */
export const outboxMergeStep: MergeStep = {
	name: 'outbox',
	async merge(tx, context) {
		const { launch, sourceId, targetId } = context;
		const moved = await tx.query<{ id: string }>('UPDATE outbox SET contact_id = $1 WHERE launch = $2 AND contact_id = $3 RETURNING id', [targetId, launch, sourceId]);
		// A phone-only half's waiting ESP sync goes out once the merged contact has the other half's email.
		const woken = await wakeWaitingSyncs(tx, { launch, contactId: targetId, now: context.now, source: context.source });
		return { ids: moved.map((m) => m.id), woken: woken.map((w) => w.id) };
	},
	async unmerge(tx, { sourceId, targetId }, record) {
		const ids = (record as { ids?: string[] }).ids ?? [];
		for (let i = 0; i < ids.length; i += 500) {
			const params: SqlValue[] = [sourceId, targetId];
			await tx.execute(`UPDATE outbox SET contact_id = $1 WHERE contact_id = $2 AND id IN (${inList(ids.slice(i, i + 500), params)})`, params);
		}
		return { reviewIds: [] };
	},
};

const REDACTED = JSON.stringify({ redacted: true });

/** Vendor payloads (ESP/CRM sync) carry emails; the entry stays for the outbox's own bookkeeping. */
export const outboxForgetStep: ForgetStep = {
	name: 'outbox',
	async forget(tx, { contactIds }) {
		const params: SqlValue[] = [];
		const list = inList(contactIds, params);
		params.push(REDACTED);
		await tx.execute(`UPDATE outbox SET payload = $${params.length}, last_error = NULL WHERE contact_id IN (${list})`, params);
		// A sync still waiting for an email will never get one: nothing of the person is sent any more.
		await tx.execute(`UPDATE outbox SET status = 'discarded' WHERE status = 'waiting' AND contact_id IN (${list})`, params.slice(0, -1));
	},
};
