import { recordEvents } from '../events';
import type { SqlExecutor, SqlValue } from '../store';

/**
 * Sync kinds whose every entry sends the contact as it is at send time (an upsert of the whole
 * record), so a later one that succeeded did everything an earlier one would have. Not grants or
 * revokes (each is its own decision), not tag_sync (its payload is a diff).
 */
export const SUPERSEDABLE_KINDS = ['esp_sync', 'crm_sync'] as const;

/**
 * Closes dead-lettered sync entries that a later entry of the same kind for the same contact has
 * since delivered (typically the reconcile sweep's fix for a contact the vendor lacked): they are
 * marked done, their response naming the entry that did the work, with an `outbox.superseded`
 * event. Their last error is kept. Returns the entries settled.
 */
export async function settleSupersededSyncs(
	tx: SqlExecutor,
	input: { launch: string; source?: string; now?: number },
): Promise<Array<{ id: string; contactId: string; kind: string; supersededBy: string }>> {
	const now = input.now ?? Date.now();
	const params: SqlValue[] = [input.launch, now];
	const kinds = SUPERSEDABLE_KINDS.map((k) => {
		params.push(k);
		return `$${params.length}`;
	}).join(', ');
	const later = `FROM outbox later WHERE later.launch = outbox.launch AND later.kind = outbox.kind AND later.contact_id = outbox.contact_id
		AND later.status = 'done' AND later.seq > outbox.seq`;
	const rows = await tx.query<{ id: string; contact_id: string; kind: string; response_id: string }>(
		`UPDATE outbox SET status = 'done', updated_at = $2,
			response_id = (SELECT 'superseded by ' || later.id ${later} ORDER BY later.seq DESC LIMIT 1)
		 WHERE launch = $1 AND status = 'dead' AND kind IN (${kinds}) AND contact_id IS NOT NULL AND EXISTS (SELECT 1 ${later})
		 RETURNING id, contact_id, kind, response_id`,
		params,
	);
	const settled = rows.map((r) => ({ id: r.id, contactId: r.contact_id, kind: r.kind, supersededBy: r.response_id.replace(/^superseded by /, '') }));
	for (let i = 0; i < settled.length; i += 500) {
		await recordEvents(
			tx,
			settled.slice(i, i + 500).map((s) => ({
				launch: input.launch,
				contactId: s.contactId,
				type: 'outbox.superseded',
				source: input.source,
				data: { entryId: s.id, kind: s.kind, supersededBy: s.supersededBy },
				at: now,
			})),
		);
	}
	return settled;
}
