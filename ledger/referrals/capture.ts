import type { SqlExecutor } from '../store';
import { assignReferralCode, referralCodesOf } from './codes';
import { recordReferral, type ReferralOutcome } from './credits';
import { getLineEntry, joinLine } from './line';

export interface SignupReferral {
	/** The person's own code, for their referral link. */
	code: string;
	/** What the code they arrived with did (absent: they came without one, or were already on the list). */
	referredBy?: ReferralOutcome;
}

/**
 * A signup's part in referrals, last in the capture's transaction: the person's own code, their place
 * at the end of the line, and — for a new person who came through a link — the referral. A repeat
 * signup of someone already on the list was not brought by the link, so its code is ignored.
 *
 * A repeat of someone who already has a code and a place has nothing to add, so it only reads and
 * never takes the launch's line lock (which every first signup queues on until its commit). Anyone
 * else — a new person, or a contact from before referrals — takes the lock first (joinLine) and only
 * then gets a code, so parallel repeats of one such contact queue there and the second finds the
 * first's code. Skipping is safe because codes and entries are only ever added under that lock: a
 * read that finds both sees something no writer takes back on this path.
 */
export async function enterSignupReferrals(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; created: boolean; referralCode?: string; now: number; source?: string; withholdReason?: string | null },
): Promise<SignupReferral> {
	if (!input.created) {
		const [code] = await referralCodesOf(tx, input.contactId);
		if (code !== undefined && (await getLineEntry(tx, input.launch, input.contactId))) return { code };
	}
	await joinLine(tx, { launch: input.launch, contactId: input.contactId, now: input.now });
	const code = await assignReferralCode(tx, input);
	if (!input.created || !input.referralCode) return { code };
	const referredBy = await recordReferral(tx, { launch: input.launch, referredId: input.contactId, code: input.referralCode, now: input.now, withholdReason: input.withholdReason, source: input.source });
	return { code, referredBy };
}
