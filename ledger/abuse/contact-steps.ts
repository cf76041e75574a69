import type { ForgetStep, MergeStep } from '../contacts/steps';
import { inList, type SqlValue } from '../store';

/**
 * A merge moves the merged-away contact's flags to the survivor (a signal the survivor already has
 * stays as the survivor's); unmerge moves back those that moved. Forget deletes the person's flags:
 * they hold no address, but they are about the person.
 */
export const abuseMergeStep: MergeStep = {
	name: 'abuse',
	async merge(tx, { launch, sourceId, targetId }) {
		const moved = await tx.query<{ signal: string }>(
			`UPDATE abuse_flags SET contact_id = $1 WHERE launch = $2 AND contact_id = $3
			 AND signal NOT IN (SELECT signal FROM abuse_flags WHERE contact_id = $1) RETURNING signal`,
			[targetId, launch, sourceId],
		);
		return { signals: moved.map((m) => m.signal) };
	},
	async unmerge(tx, { sourceId, targetId }, record) {
		const signals = (record as { signals?: string[] }).signals ?? [];
		if (signals.length) {
			const params: SqlValue[] = [sourceId, targetId];
			await tx.execute(`UPDATE abuse_flags SET contact_id = $1 WHERE contact_id = $2 AND signal IN (${inList(signals, params)})`, params);
		}
		return { reviewIds: [] };
	},
};

export const abuseForgetStep: ForgetStep = {
	name: 'abuse',
	async forget(tx, { contactIds }) {
		const params: SqlValue[] = [];
		const list = inList(contactIds, params);
		await tx.execute(`DELETE FROM abuse_flags WHERE contact_id IN (${list})`, params);
		// A sync held for review of a forgotten person is never sent.
		await tx.execute(`UPDATE outbox SET status = 'discarded' WHERE status = 'flagged' AND contact_id IN (${list})`, params);
	},
};
