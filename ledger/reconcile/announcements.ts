import { inList, type SqlExecutor, type SqlValue } from '../store';
import type { SweepFinding } from './types';

/** How long an announced problem stays quiet before the sweep reminds a person of it again. */
export const DEFAULT_REPEAT_AFTER_MS = 24 * 60 * 60_000;

/**
 * The problem a finding is about, the same every hour it is found again: its kind, the list it came
 * from and the record's own key (order, email, enrollment or record id). Null when the finding names
 * nothing stable; such a finding is always announced.
 */
export function announcementKeyOf(finding: Pick<SweepFinding, 'kind' | 'system' | 'contactId' | 'data'>): string | null {
	const { data } = finding;
	const part = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
	const subject = part(data.orderId) ?? part(data.email) ?? part(data.enrollment) ?? part(data.id) ?? finding.contactId;
	if (subject === null) return null;
	return `${finding.kind}:${finding.system ?? '-'}:${subject.toLowerCase()}`;
}

export interface AnnounceOptions {
	/** A problem announced less than this long ago is not announced again (default 24 hours). 0 announces every time. */
	repeatAfterMs?: number;
	now?: number;
}

/**
 * Of these findings, the ones to announce now: each problem the first time it is found and again
 * once `repeatAfterMs` has passed since it was last announced. Decided by one conditional upsert per
 * problem (the row's primary key), so two sweeps running at once announce a problem once between them.
 */
export async function claimAnnouncements<F extends Pick<SweepFinding, 'kind' | 'system' | 'contactId' | 'data'>>(
	tx: SqlExecutor,
	launch: string,
	findings: readonly F[],
	options: AnnounceOptions = {},
): Promise<F[]> {
	const now = options.now ?? Date.now();
	const repeatAfterMs = Math.max(0, options.repeatAfterMs ?? DEFAULT_REPEAT_AFTER_MS);
	const byKey = new Map<string, F[]>();
	const keyless: F[] = [];
	for (const finding of findings) {
		const key = announcementKeyOf(finding);
		if (key === null) keyless.push(finding);
		else byKey.set(key, [...(byKey.get(key) ?? []), finding]);
	}
	const keys = [...byKey.keys()];
	const due = new Set<string>();
	for (let i = 0; i < keys.length; i += 200) {
		const params: SqlValue[] = [launch, now, now - repeatAfterMs];
		const rows = keys.slice(i, i + 200).map((key) => `($1, ${inList([key], params)}, $2, 1)`);
		const claimed = await tx.query<{ finding_key: string }>(
			`INSERT INTO sweep_announcements (launch, finding_key, announced_at, times) VALUES ${rows.join(', ')}
			 ON CONFLICT (launch, finding_key) DO UPDATE SET announced_at = excluded.announced_at, times = sweep_announcements.times + 1
			 WHERE sweep_announcements.announced_at <= $3
			 RETURNING finding_key`,
			params,
		);
		for (const row of claimed) due.add(row.finding_key);
	}
	return [...keyless, ...keys.filter((key) => due.has(key)).flatMap((key) => byKey.get(key)!)];
}
