import { timingSafeEqual } from 'node:crypto';

import type { SqlExecutor } from '../store';
import type { ChecklistRun } from './runs';

/*
 * Where a checklist run's test traffic lands. The run's steps go through the real capture URL and
 * the real payment webhook, whose triggers are set to the real launch; what they send is kept in the
 * run's test launch instead, so test data never mixes with the real launch and Clean Up deletes it
 * whole. Every rule about which launch test traffic belongs to is in this file.
 */

/** The header a run's test signups carry: `<run id>.<route key>`. */
export const CHECKLIST_HEADER = 'x-waitlist-checklist';

/** The header value for a run's signups; null for a run made before route keys existed. */
export const routeHeaderOf = (run: Pick<ChecklistRun, 'id' | 'routeKey'>): string | null => (run.routeKey ? `${run.id}.${run.routeKey}` : null);

export type SignupRoute = { launch: string } | { refused: string };

function sameKey(given: string, expected: string): boolean {
	const a = Buffer.from(given);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The launch a signup is kept in: the trigger's launch, or, when the signup carries a run's header,
 * that run's test launch. A header that names no open run of this launch (or has the wrong key) is
 * refused rather than let through: a test signup must never land in the real launch.
 */
export async function signupLaunch(tx: SqlExecutor, launch: string, header: string | null | undefined): Promise<SignupRoute> {
	if (header === null || header === undefined || header.trim() === '') return { launch };
	const [runId = '', key = ''] = header.trim().split('.', 2);
	const [run] = await tx.query<{ launch: string; test_launch: string; status: string; route_key: string | null }>(
		'SELECT launch, test_launch, status, route_key FROM checklist_runs WHERE id = $1',
		[runId],
	);
	if (!run || run.launch !== launch || !run.route_key || !sameKey(key, run.route_key)) {
		return { refused: `names no pre-launch checklist run of launch "${launch}" (or its key is wrong); only the Launch Checklist node sends this header` };
	}
	if (run.status !== 'open') return { refused: `names checklist run "${runId}", which was cleaned up; start a new run` };
	return { launch: run.test_launch };
}

/**
 * The launch a payment belongs to: the receiving trigger's launch, or the test launch of an open run
 * of it when the payment is the checklist's — its checkout token was made there (the test buyer), or
 * its order was recorded there (a refund or dispute of a test purchase carries no token). A token
 * only comes back in a signed webhook and an order id is the provider's, so neither can be forged.
 * Without an open run this is one indexed look-up.
 */
export async function paymentLaunch(tx: SqlExecutor, launch: string, event: { provider: string; checkoutToken: string | null; orderId: string | null } | null): Promise<string> {
	if (!event || (!event.checkoutToken && !event.orderId)) return launch;
	const testLaunches = (await servedLaunches(tx, launch)).slice(1);
	for (const testLaunch of testLaunches) {
		const [byToken] = event.checkoutToken ? await tx.query<{ n: number }>('SELECT 1 AS n FROM checkout_tokens WHERE token = $1 AND launch = $2', [event.checkoutToken, testLaunch]) : [];
		const [byOrder] =
			!byToken && event.orderId ? await tx.query<{ n: number }>('SELECT 1 AS n FROM purchases WHERE launch = $1 AND provider = $2 AND order_id = $3', [testLaunch, event.provider, event.orderId]) : [];
		if (byToken || byOrder) return testLaunch;
	}
	return launch;
}

/**
 * The launches a launch's outbox drain serves: its own, and the test launches of its open checklist
 * runs — so a test grant is delivered (and revoked) by the same drain, nodes and credentials as a
 * real one. Cleaned runs are not served: their test launch is gone.
 */
export async function servedLaunches(tx: SqlExecutor, launch: string): Promise<string[]> {
	const rows = await tx.query<{ test_launch: string }>("SELECT test_launch FROM checklist_runs WHERE launch = $1 AND status = 'open' ORDER BY test_launch", [launch]);
	return [launch, ...rows.map((r) => r.test_launch)];
}
