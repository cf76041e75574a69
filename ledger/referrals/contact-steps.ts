import type { ForgetStep, MergeStep } from '../contacts/steps';
import { recordEvent } from '../events';
import { inList, type SqlValue } from '../store';
import { recountReferralCredits } from './credits';
import { getLineEntry, joinLine, leaveLine, lockLine, updateLineEntry } from './line';

interface ReferralMergeRecord {
	codes: string[];
	/** Credits the source earned as referrer (referred ids), moved to the target. */
	earned: string[];
	/** The source's own credit as a referred person: moved to the target, or dropped when the target had one. */
	referred: { moved: boolean; dropped?: { referrerId: string; code: string; status: string; reason: string | null; createdAt: number } } | null;
	/** Credits that became self-referrals when the two halves met (referred ids, with their status before). */
	refused: Array<{ referredId: string; status: string; reason: string | null }>;
	line: { source: { number: number } | null; targetNumber: number | null };
}

/**
 * A merged contact keeps every code both halves had, the credits both earned, the earlier place in
 * line and one credit as a referred person (the older). A credit that now points from the person to
 * themselves (they referred their own second address) stops counting.
 */
export const referralsMergeStep: MergeStep = {
	name: 'referrals',
	async merge(tx, { launch, sourceId, targetId, now, source }) {
		// First, so a signup crediting the source waits for the merge and then credits the target.
		await lockLine(tx, launch, now);
		const codes = (await tx.query<{ code: string }>('UPDATE referral_codes SET contact_id = $1 WHERE contact_id = $2 RETURNING code', [targetId, sourceId])).map((r) => r.code);
		const earned = (await tx.query<{ referred_id: string }>('UPDATE referral_credits SET referrer_id = $1 WHERE launch = $2 AND referrer_id = $3 RETURNING referred_id', [targetId, launch, sourceId])).map((r) => r.referred_id);

		let referred: ReferralMergeRecord['referred'] = null;
		const [own] = await tx.query<{ referrer_id: string; code: string; status: string; reason: string | null; created_at: number | string }>(
			'SELECT referrer_id, code, status, reason, created_at FROM referral_credits WHERE launch = $1 AND referred_id = $2',
			[launch, sourceId],
		);
		if (own) {
			const [targetOwn] = await tx.query<{ created_at: number | string }>('SELECT created_at FROM referral_credits WHERE launch = $1 AND referred_id = $2', [launch, targetId]);
			if (targetOwn) {
				// One person, one credit as referred: the other referral is dropped (kept on the merge event for unmerge).
				await tx.execute('DELETE FROM referral_credits WHERE launch = $1 AND referred_id = $2', [launch, sourceId]);
				referred = { moved: false, dropped: { referrerId: own.referrer_id, code: own.code, status: own.status, reason: own.reason, createdAt: Number(own.created_at) } };
				if (own.status === 'credited') await recountReferralCredits(tx, launch, own.referrer_id, now);
			} else {
				await tx.execute('UPDATE referral_credits SET referred_id = $1 WHERE launch = $2 AND referred_id = $3', [targetId, launch, sourceId]);
				referred = { moved: true };
			}
		}
		const refused = (
			await tx.query<{ referred_id: string; status: string; reason: string | null }>(
				"SELECT referred_id, status, reason FROM referral_credits WHERE launch = $1 AND referred_id = $2 AND referrer_id = $2 AND status <> 'refused'",
				[launch, targetId],
			)
		).map((r) => ({ referredId: r.referred_id, status: r.status, reason: r.reason }));
		if (refused.length > 0) {
			await tx.execute("UPDATE referral_credits SET status = 'refused', reason = $1, updated_at = $2 WHERE launch = $3 AND referred_id = $4", ['self: merged with the contact that referred it', now, launch, targetId]);
			await recordEvent(tx, { launch, contactId: targetId, type: 'referral.refused', source, data: { reason: 'self: merged with the contact that referred it' }, at: now });
		}

		const sourceEntry = await leaveLine(tx, { launch, contactId: sourceId, now });
		const targetEntry = await getLineEntry(tx, launch, targetId);
		const number = targetEntry && sourceEntry ? Math.min(targetEntry.number, sourceEntry.number) : undefined;
		if (targetEntry) await updateLineEntry(tx, { launch, contactId: targetId, number, now });
		else if (sourceEntry) await joinLine(tx, { launch, contactId: targetId, number: sourceEntry.number, now });
		await recountReferralCredits(tx, launch, targetId, now);
		const record: ReferralMergeRecord = { codes, earned, referred, refused, line: { source: sourceEntry ? { number: sourceEntry.number } : null, targetNumber: targetEntry?.number ?? null } };
		return record;
	},
	async unmerge(tx, { launch, sourceId, targetId, now }, raw) {
		const record = raw as ReferralMergeRecord;
		await lockLine(tx, launch, now);
		if (record.codes.length > 0) {
			const params: SqlValue[] = [sourceId, targetId];
			await tx.execute(`UPDATE referral_codes SET contact_id = $1 WHERE contact_id = $2 AND code IN (${inList(record.codes, params)})`, params);
		}
		for (const r of record.refused) {
			await tx.execute('UPDATE referral_credits SET status = $1, reason = $2, updated_at = $3 WHERE launch = $4 AND referred_id = $5', [r.status, r.reason, now, launch, targetId]);
		}
		if (record.earned.length > 0) {
			const params: SqlValue[] = [sourceId, launch, targetId];
			await tx.execute(`UPDATE referral_credits SET referrer_id = $1 WHERE launch = $2 AND referrer_id = $3 AND referred_id IN (${inList(record.earned, params)})`, params);
		}
		if (record.referred?.moved) {
			await tx.execute('UPDATE referral_credits SET referred_id = $1 WHERE launch = $2 AND referred_id = $3', [sourceId, launch, targetId]);
		} else if (record.referred?.dropped) {
			const d = record.referred.dropped;
			await tx.execute(
				'INSERT INTO referral_credits (launch, referred_id, referrer_id, code, status, reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (launch, referred_id) DO NOTHING',
				[launch, sourceId, d.referrerId, d.code, d.status, d.reason, d.createdAt, now],
			);
			if (d.status === 'credited') await recountReferralCredits(tx, launch, d.referrerId, now);
		}
		if (record.line.source) await joinLine(tx, { launch, contactId: sourceId, number: record.line.source.number, now });
		if (record.line.targetNumber !== null) await updateLineEntry(tx, { launch, contactId: targetId, number: record.line.targetNumber, now });
		else await leaveLine(tx, { launch, contactId: targetId, now });
		await recountReferralCredits(tx, launch, sourceId, now);
		await recountReferralCredits(tx, launch, targetId, now);
		return { reviewIds: [] };
	},
};

/**
 * A forgotten person leaves the line and their links stop working. Credits they earned are dropped
 * (no one to count them for); a credit for having been referred stays with its referrer, naming only
 * contact ids.
 */
export const referralsForgetStep: ForgetStep = {
	name: 'referrals',
	async forget(tx, { launch, contactIds, at }) {
		if (contactIds.length === 0) return;
		await lockLine(tx, launch, at);
		const params: SqlValue[] = [];
		const list = inList(contactIds, params);
		await tx.execute(`DELETE FROM referral_codes WHERE contact_id IN (${list})`, params);
		await tx.execute(`DELETE FROM referral_credits WHERE launch = $${params.length + 1} AND referrer_id IN (${list})`, [...params, launch]);
		for (const contactId of contactIds) await leaveLine(tx, { launch, contactId, now: at });
	},
};
