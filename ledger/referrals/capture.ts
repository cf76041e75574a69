import type { SqlExecutor } from '../store';
import { assignReferralCode } from './codes';
import { recordReferral, type ReferralOutcome } from './credits';
import { joinLine } from './line';

export interface SignupReferral {
	/** The person's own code, for their referral link. */
	code: string;
	/** What the code they arrived with did (absent: they came without one, or were already on the list). */
	referredBy?: ReferralOutcome;
}

/**
 * A signup's part in referrals, last in the capture's transaction (it takes the launch's line lock,
 * held only until the commit): the person's own code, their place at the end of the line, and — for a
 * new person who came through a link — the referral. A repeat signup of someone already on the list
 * was not brought by the link, so its code is ignored.
 */
export async function enterSignupReferrals(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; created: boolean; referralCode?: string; now: number; source?: string; withholdReason?: string | null },
): Promise<SignupReferral> {
	const code = await assignReferralCode(tx, input);
	await joinLine(tx, { launch: input.launch, contactId: input.contactId, now: input.now });
	if (!input.created || !input.referralCode) return { code };
	const referredBy = await recordReferral(tx, { launch: input.launch, referredId: input.contactId, code: input.referralCode, now: input.now, withholdReason: input.withholdReason, source: input.source });
	return { code, referredBy };
}
