import { outboxHealth } from '../outbox/health';
import type { PauseState } from '../outbox/kill-switch';
import { listOutboxEntries } from '../outbox/list';
import type { SqlExecutor } from '../store';

/** What the kill-switch page shows, read in one transaction: the switch, what it holds, and who is guessing. */
export interface KillSwitchView {
	launch: string;
	pause: PauseState;
	/** Entries held now, and the oldest HELD_SHOWN of them (to release or discard one by one). */
	heldCount: number;
	held: Array<{ id: string; kind: string; contactId: string | null; createdAt: number }>;
	/** Wrong passwords on this launch's pages in the last hour, and addresses made to wait now. */
	signIn: { failuresLastHour: number; blockedNow: number };
}

export const HELD_SHOWN = 50;

export async function readKillSwitchView(tx: SqlExecutor, launch: string, now = Date.now()): Promise<KillSwitchView> {
	const health = await outboxHealth(tx, launch, now);
	const held = await listOutboxEntries(tx, { launch, statuses: ['held'], limit: HELD_SHOWN });
	const [failures] = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM page_sign_in_failures WHERE launch = $1 AND at >= $2', [launch, now - 60 * 60_000]);
	const [blocked] = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM page_sign_in_throttle WHERE launch = $1 AND blocked_until > $2', [launch, now]);
	return {
		launch,
		pause: health.pause,
		heldCount: health.byStatus.held,
		held: held.map((e) => ({ id: e.id, kind: e.kind, contactId: e.contactId, createdAt: e.createdAt })),
		signIn: { failuresLastHour: Number(failures?.n ?? 0), blockedNow: Number(blocked?.n ?? 0) },
	};
}
