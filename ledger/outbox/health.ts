import type { SqlExecutor } from '../store';
import { OUTBOX_STATUSES, type OutboxStatus } from './entry';
import { getPauseState, type PauseState } from './kill-switch';

export interface OutboxHealth {
	launch: string;
	byStatus: Record<OutboxStatus, number>;
	/** pending or failed entries whose time has come. */
	dueNow: number;
	/** Claimed entries whose lease ran out: their worker stopped. The next claim takes them again. */
	expiredLeases: number;
	/** Age (ms) of the oldest due entry; 0 when none. */
	oldestDueMs: number;
	pause: PauseState;
}

export async function outboxHealth(tx: SqlExecutor, launch: string, now = Date.now()): Promise<OutboxHealth> {
	const rows = await tx.query<{ status: string; n: number; due: number; oldest: number | null }>(
		`SELECT status, COUNT(*) AS n, SUM(CASE WHEN next_attempt_at <= $2 THEN 1 ELSE 0 END) AS due, MIN(next_attempt_at) AS oldest
		 FROM outbox WHERE launch = $1 GROUP BY status`,
		[launch, now],
	);
	const byStatus = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
	let dueNow = 0;
	let expiredLeases = 0;
	let oldest = Infinity;
	for (const r of rows) {
		byStatus[r.status as OutboxStatus] = Number(r.n);
		const due = Number(r.due ?? 0);
		if (r.status === 'pending' || r.status === 'failed') {
			dueNow += due;
			if (due > 0 && r.oldest !== null) oldest = Math.min(oldest, Number(r.oldest));
		}
		if (r.status === 'claimed') expiredLeases += due;
	}
	return { launch, byStatus, dueNow, expiredLeases, oldestDueMs: oldest === Infinity ? 0 : Math.max(0, now - oldest), pause: await getPauseState(tx, launch) };
}

