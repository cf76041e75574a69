import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { forUpdate, type SqlExecutor } from '../store';

/**
 * Throttled sign-in for the pages the pack serves from n8n. The page compares the password itself
 * (in constant time); this decides, in one transaction per attempt with the address's row locked,
 * whether the attempt counts: an address that failed SIGN_IN_FREE_FAILURES times in a row is refused
 * without a password check (429) for a wait that doubles with each further failure, up to
 * SIGN_IN_MAX_WAIT_MS. The right password during a wait is refused too — otherwise the wait would
 * not slow a guesser at all. A right password after the wait clears the count.
 */

export const SIGN_IN_FREE_FAILURES = 5;
export const SIGN_IN_FIRST_WAIT_MS = 1000;
export const SIGN_IN_MAX_WAIT_MS = 15 * 60_000;

export interface SignInAttempt {
	launch: string;
	/** Which page (its path), so the dashboard and the kill switch count apart. */
	page: string;
	/** The client's address as n8n saw it. */
	address: string;
	/** Whether the presented credential was right. */
	ok: boolean;
	/** The user name presented (Basic Auth), recorded with a failure. */
	userName?: string;
	now?: number;
}

export type SignInDecision =
	| { allowed: true; failures: 0 }
	| {
			allowed: false;
			/** 401: wrong credential (try again); 429: too many failures, wait retryAfterSeconds. */
			status: 401 | 429;
			/** Failures in a row from this address. */
			failures: number;
			retryAfterSeconds: number | null;
	  };

/** The wait after `failures` in a row: none for the first few, then 1 s, 2 s, 4 s … up to 15 min. */
export function signInWaitMs(failures: number): number {
	if (failures < SIGN_IN_FREE_FAILURES) return 0;
	return Math.min(SIGN_IN_MAX_WAIT_MS, SIGN_IN_FIRST_WAIT_MS * 2 ** Math.min(30, failures - SIGN_IN_FREE_FAILURES));
}

type ThrottleRow = {
	failures: number | string;
	blocked_until: number | string | null;
};

function keyOf(input: SignInAttempt): { launch: string; page: string; address: string } {
	return {
		launch: requiredText(input.launch, 'launch', 200),
		page: requiredText(input.page, 'page', 500),
		// An address n8n could not tell still counts, under one shared name.
		address: typeof input.address === 'string' && input.address.trim() !== '' ? input.address.trim().slice(0, 100) : 'unknown',
	};
}

const retryAfter = (blockedUntil: number, now: number) => Math.max(1, Math.ceil((blockedUntil - now) / 1000));

export async function decideSignIn(tx: SqlExecutor, input: SignInAttempt): Promise<SignInDecision> {
	const { launch, page, address } = keyOf(input);
	const now = input.now ?? Date.now();
	if (typeof input.ok !== 'boolean') throw new LedgerInputError('ok', 'must be true or false');
	const key = [launch, page, address];
	let [row] = await tx.query<ThrottleRow>(`SELECT failures, blocked_until FROM page_sign_in_throttle WHERE launch = $1 AND page = $2 AND address = $3${forUpdate(tx)}`, key);
	// A right password from an address with nothing against it: no write at all (the dashboard refreshes every minute).
	if (input.ok && (!row || (Number(row.failures) === 0 && row.blocked_until === null))) return { allowed: true, failures: 0 };
	if (!row) {
		// The primary key settles two first failures at once; the row is then locked and read again.
		await tx.execute('INSERT INTO page_sign_in_throttle (launch, page, address) VALUES ($1, $2, $3) ON CONFLICT (launch, page, address) DO NOTHING', key);
		[row] = await tx.query<ThrottleRow>(`SELECT failures, blocked_until FROM page_sign_in_throttle WHERE launch = $1 AND page = $2 AND address = $3${forUpdate(tx)}`, key);
	}
	const failures = Number(row!.failures);
	const blockedUntil = row!.blocked_until === null ? null : Number(row!.blocked_until);
	if (blockedUntil !== null && blockedUntil > now) {
		await tx.execute('UPDATE page_sign_in_throttle SET refused_while_blocked = refused_while_blocked + 1 WHERE launch = $1 AND page = $2 AND address = $3', key);
		return { allowed: false, status: 429, failures, retryAfterSeconds: retryAfter(blockedUntil, now) };
	}
	if (input.ok) {
		await tx.execute('UPDATE page_sign_in_throttle SET failures = 0, blocked_until = NULL WHERE launch = $1 AND page = $2 AND address = $3', key);
		return { allowed: true, failures: 0 };
	}
	const next = failures + 1;
	const wait = signInWaitMs(next);
	await tx.execute(
		`UPDATE page_sign_in_throttle SET failures = $4, total_failures = total_failures + 1, last_failed_at = $5, blocked_until = $6
		 WHERE launch = $1 AND page = $2 AND address = $3`,
		[...key, next, now, wait > 0 ? now + wait : null],
	);
	const userName = typeof input.userName === 'string' ? input.userName.slice(0, 200) : null;
	await tx.execute('INSERT INTO page_sign_in_failures (launch, page, address, user_name, at) VALUES ($1, $2, $3, $4, $5)', [...key, userName, now]);
	return { allowed: false, status: wait > 0 ? 429 : 401, failures: next, retryAfterSeconds: wait > 0 ? retryAfter(now + wait, now) : null };
}
