import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import type { SqlExecutor } from '../store';
import { planTags, writeTagPlan, type TagChangeResult } from './plan';
import { resolveTags, tagList } from './resolve';

/** Tags must go on an active contact of the launch (a merged one's tags live on its survivor). */
async function assertContactInLaunch(tx: SqlExecutor, launch: string, contactId: string): Promise<void> {
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const [row] = await tx.query<{ launch: string; status: string }>(`SELECT launch, status FROM contacts WHERE id = $1${lock}`, [contactId]);
	if (!row || row.launch !== launch) throw new LedgerInputError('contactId', `no contact "${contactId}" in launch "${launch}"`);
	if (row.status !== 'active') throw new LedgerInputError('contactId', `contact ${contactId} is ${row.status}; tag the contact it was merged into instead`);
}

export async function applyTags(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; tags: unknown; source?: string },
): Promise<TagChangeResult> {
	await assertContactInLaunch(tx, input.launch, input.contactId);
	const plan = await planTags(tx, input.launch, tagList(input.tags));
	return writeTagPlan(tx, input.contactId, plan, { source: input.source });
}

export async function removeTags(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; tags: unknown; source?: string },
): Promise<{ removed: string[]; notPresent: string[] }> {
	await assertContactInLaunch(tx, input.launch, input.contactId);
	// Removing never needs the policy: an unknown tag simply is not there.
	const resolved = await resolveTags(tx, input.launch, tagList(input.tags));
	const wanted = [...new Set(resolved.map((r) => r.tag))];
	const removed: string[] = [];
	for (const tag of wanted) {
		const n = await tx.execute('DELETE FROM contact_tags WHERE contact_id = $1 AND tag = $2', [input.contactId, tag]);
		if (n > 0) removed.push(tag);
	}
	const at = Date.now();
	await recordEvents(
		tx,
		removed.map((tag) => ({ launch: input.launch, contactId: input.contactId, type: 'tag.removed', source: input.source, data: { tag, before: true, after: false }, at })),
	);
	return { removed, notPresent: wanted.filter((t) => !removed.includes(t)) };
}

export async function listContactTags(tx: SqlExecutor, contactId: string): Promise<{ tag: string; source: string | null; appliedAt: number }[]> {
	const rows = await tx.query<{ tag: string; source: string | null; applied_at: number }>(
		'SELECT tag, source, applied_at FROM contact_tags WHERE contact_id = $1 ORDER BY tag',
		[contactId],
	);
	return rows.map((r) => ({ tag: r.tag, source: r.source, appliedAt: Number(r.applied_at) }));
}

export interface QuarantinedTag {
	id: number;
	launch: string;
	contactId: string | null;
	raw: string;
	normalized: string;
	source: string | null;
	createdAt: number;
}

export async function listQuarantinedTags(tx: SqlExecutor, launch: string): Promise<QuarantinedTag[]> {
	const rows = await tx.query<{ id: number; launch: string; contact_id: string | null; raw: string; normalized: string; source: string | null; created_at: number }>(
		`SELECT id, launch, contact_id, raw, normalized, source, created_at FROM tag_quarantine WHERE launch = $1 AND status = 'open' ORDER BY id`,
		[launch],
	);
	return rows.map((r) => ({ id: Number(r.id), launch: r.launch, contactId: r.contact_id, raw: r.raw, normalized: r.normalized, source: r.source, createdAt: Number(r.created_at) }));
}
