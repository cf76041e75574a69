/**
 * The pure part of a launch's line. Each entry has a signup number (1, 2, 3 … in joining order) and a
 * number of credited referrals; its score is `number − spotsPerReferral × credits` and its place is
 * 1 + how many entries sort before it by (score, number). Ties go to the earlier signup.
 *
 * Places are counted in a 16-ary digit tree over `key = score + 2^31`: a node (level, prefix) counts
 * the entries whose key shifted right by 4·level equals prefix. The entries with a key below K are the
 * siblings to the left of K's path at each of the 8 levels — at most 8 ranges of at most 15 rows.
 */
export const LINE_LEVELS = 8;
const DIGIT_BITS = 4;
/** Children per tree node (2^DIGIT_BITS). */
export const LINE_FANOUT = 2 ** DIGIT_BITS;
export const LINE_KEY_OFFSET = 2 ** 31;
export const LINE_KEY_MAX = 2 ** 32 - 1;

export function lineScore(number: number, credits: number, spotsPerReferral: number): number {
	return number - spotsPerReferral * credits;
}

/** The score as a tree key; scores beyond ±2^31 (not reachable by a real list) are clamped. */
export function lineKey(score: number): number {
	return Math.min(LINE_KEY_MAX, Math.max(0, score + LINE_KEY_OFFSET));
}

const shift = (key: number, level: number) => Math.floor(key / 2 ** (DIGIT_BITS * level));

/** The tree nodes an entry with this key counts in, one per level. */
export function lineNodes(key: number): Array<{ level: number; prefix: number }> {
	return Array.from({ length: LINE_LEVELS }, (_, level) => ({ level, prefix: shift(key, level) }));
}

/** The node ranges whose counts add up to the number of entries with a key strictly below `key`. */
export function lineRangesBelow(key: number): Array<{ level: number; from: number; to: number }> {
	const ranges: Array<{ level: number; from: number; to: number }> = [];
	for (let level = 0; level < LINE_LEVELS; level++) {
		const here = shift(key, level);
		const digit = here % LINE_FANOUT;
		if (digit === 0) continue;
		ranges.push({ level, from: here - digit, to: here - 1 });
	}
	return ranges;
}

/**
 * The count changes moving one entry from key `from` to key `to` makes (null: joining, or leaving):
 * one −1 and one +1 per level, cancelled where both paths share the node. Sorted, so every writer
 * touches rows in the same order.
 */
export function lineCountChanges(from: number | null, to: number | null): Array<{ level: number; prefix: number; delta: number }> {
	const deltas = new Map<string, { level: number; prefix: number; delta: number }>();
	const add = (key: number, delta: number) => {
		for (const node of lineNodes(key)) {
			const id = `${node.level}:${node.prefix}`;
			const entry = deltas.get(id) ?? { ...node, delta: 0 };
			entry.delta += delta;
			deltas.set(id, entry);
		}
	};
	if (from !== null) add(from, -1);
	if (to !== null) add(to, 1);
	return [...deltas.values()].filter((d) => d.delta !== 0).sort((a, b) => b.level - a.level || a.prefix - b.prefix);
}

/** The brute-force place (tests check the tree against it): 1-based rank by (score, number). */
export function placeByScan(entries: ReadonlyArray<{ id: string; number: number; credits: number }>, spotsPerReferral: number, id: string): number | null {
	const sorted = [...entries].sort((a, b) => lineScore(a.number, a.credits, spotsPerReferral) - lineScore(b.number, b.credits, spotsPerReferral) || a.number - b.number);
	const index = sorted.findIndex((e) => e.id === id);
	return index < 0 ? null : index + 1;
}
