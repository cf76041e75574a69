import type { SqlExecutor } from '../store';

/** How many people the status page's leaderboard shows at most. */
export const LEADERBOARD_SIZE = 10;

export interface LeaderboardRow {
	/** 1-based rank: most counted referrals first, ties to the earlier signup. */
	rank: number;
	/** A first name and a last-name initial ("Ada L."), or "Someone" without a first name: never an address. */
	name: string;
	referrals: number;
}

const word = (value: unknown) => (typeof value === 'string' ? (value.trim().split(/\s+/)[0] ?? '') : '');

/**
 * What a leaderboard shows of a person: the first word of their first name (at most 20 characters)
 * and the initial of their last name. Nothing else — no email, no place, no link — so the board says
 * no more about other people than a first name and a count.
 */
export function leaderboardName(profile: Record<string, unknown>): string {
	const first = [...word(profile.first_name)].slice(0, 20).join('');
	if (!first) return 'Someone';
	const initial = [...word(profile.last_name)][0];
	return initial ? `${first} ${initial.toUpperCase()}.` : first;
}

/**
 * The launch's top referrers (only people with at least one counted referral), read from the line's
 * entries by an index on (launch, credits, number): ten rows, whatever the size of the list.
 */
export async function readLeaderboard(tx: SqlExecutor, launch: string, size = LEADERBOARD_SIZE): Promise<LeaderboardRow[]> {
	const limit = Math.max(1, Math.min(LEADERBOARD_SIZE, Math.floor(size)));
	const rows = await tx.query<{ credits: number | string; profile: string | null }>(
		`SELECT e.credits, c.profile FROM line_entries e JOIN contacts c ON c.id = e.contact_id
		 WHERE e.launch = $1 AND e.credits > 0 AND c.status = 'active'
		 ORDER BY e.credits DESC, e.number LIMIT ${limit}`,
		[launch],
	);
	return rows.map((r, i) => {
		let profile: Record<string, unknown> = {};
		try {
			profile = r.profile ? (JSON.parse(r.profile) as Record<string, unknown>) : {};
		} catch {
			// An unreadable profile shows as "Someone".
		}
		return { rank: i + 1, name: leaderboardName(profile), referrals: Number(r.credits) };
	});
}
