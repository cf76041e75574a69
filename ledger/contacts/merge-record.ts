import type { SqlExecutor } from '../store';
import { stateOf, type ContactRow, type ContactState } from './records';

/**
 * What a merge writes on the merged-away contact's `contact.merged` event: both contacts as they were,
 * the target as the merge made it, and what moved — everything unmerge needs to put it back.
 */
export interface MergeSnapshot {
	email: string | null;
	phone: string | null;
	state: ContactState;
}

export interface MergeEventData {
	mergedInto: string;
	before: { source: MergeSnapshot; target: MergeSnapshot };
	targetAfter: MergeSnapshot;
	movedIdentifiers: { kind: string; value: string }[];
	sourceTags: string[];
	targetTagsBefore: string[];
	reviewId?: string;
	/** What each merge step (purchases, access, outbox …) moved, by step name, for unmerge. */
	steps?: Record<string, unknown>;
}

export function snapshot(row: ContactRow): MergeSnapshot {
	return { email: row.email, phone: row.phone, state: stateOf(row) };
}

export async function writeSnapshot(tx: SqlExecutor, id: string, s: MergeSnapshot, extra: { status: string; mergedInto: string | null }, now: number): Promise<void> {
	await tx.execute(
		`UPDATE contacts SET email = $1, phone = $2, profile = $3, field_times = $4, first_touch = $5, last_touch = $6, consent = $7,
		        status = $8, merged_into = $9, updated_at = $10 WHERE id = $11`,
		[
			s.email,
			s.phone,
			JSON.stringify(s.state.profile),
			JSON.stringify(s.state.fieldTimes),
			s.state.firstTouch ? JSON.stringify(s.state.firstTouch) : null,
			s.state.lastTouch ? JSON.stringify(s.state.lastTouch) : null,
			Object.keys(s.state.consent).length ? JSON.stringify(s.state.consent) : null,
			extra.status,
			extra.mergedInto,
			now,
			id,
		],
	);
}
