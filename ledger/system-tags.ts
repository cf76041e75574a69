import { LedgerInputError } from './errors';
import { recordEvents, type NewLedgerEvent } from './events';
import type { SqlExecutor, SqlValue } from './store';
import { appliedTagOutcome, tagsToApply } from './tags/plan';
import { addRegistryTag } from './tags/registry';
import type { TagKind } from './tags/resolve';

/**
 * Tags the ledger itself puts on contacts (the kill switch's holding segment, the sweep's
 * `reconciled-after-failure`). They bypass the unknown-tag policy — the ledger is not guessing — but
 * are registered in the launch's registry first, so they show up there like any other tag.
 */
export const HOLDING_TAG = 'access-on-hold';
export const RECONCILED_TAG = 'reconciled-after-failure';
/** A phone in a range libphonenumber does not list (new, reserved, or made up): kept, and flagged for a look. */
export const PHONE_UNRECOGNIZED_TAG = 'phone-unrecognized';

const CHUNK = 500;

async function ensureRegistered(tx: SqlExecutor, launch: string, tag: string, kind: TagKind, source?: string): Promise<void> {
	// Registered already (the usual case after the first use): whatever its kind, nothing to add.
	const [registered] = await tx.query<{ tag: string }>('SELECT tag FROM tag_registry WHERE launch = $1 AND tag = $2', [launch, tag]);
	if (registered) return;
	try {
		await addRegistryTag(tx, { launch, tag, kind, description: 'Set by the ledger', source });
	} catch (error) {
		// Someone registered it with another kind or as an alias: applying it still works.
		if (!(error instanceof LedgerInputError)) throw error;
	}
}

/** Active contacts of the launch among `ids` (others — merged, forgotten, unknown — are not tagged). */
async function activeContacts(tx: SqlExecutor, launch: string, ids: readonly string[]): Promise<string[]> {
	const found: string[] = [];
	const unique = [...new Set(ids)];
	for (let i = 0; i < unique.length; i += CHUNK) {
		const chunk = unique.slice(i, i + CHUNK);
		const rows = await tx.query<{ id: string }>(
			`SELECT id FROM contacts WHERE launch = $1 AND status = 'active' AND id IN (${chunk.map((_, j) => `$${j + 2}`).join(', ')})`,
			[launch, ...chunk],
		);
		found.push(...rows.map((r) => r.id));
	}
	return found;
}

/**
 * Applies a system tag to contacts; returns those that did not have it yet. Writes tag.applied events,
 * or appends them to `events` for the caller to write with its own in one statement.
 */
export async function applySystemTag(
	tx: SqlExecutor,
	input: { launch: string; contactIds: readonly string[]; tag: string; kind: TagKind; source?: string; events?: NewLedgerEvent[] },
): Promise<string[]> {
	const ids = await activeContacts(tx, input.launch, input.contactIds);
	if (ids.length === 0) return [];
	await ensureRegistered(tx, input.launch, input.tag, input.kind, input.source);
	const plan = {
		launch: input.launch,
		policy: 'allow' as const,
		apply: [{ input: input.tag, key: input.tag, tag: input.tag, status: 'known' as const, registryTag: input.tag, kind: input.kind }],
		quarantine: [],
	};
	// One multi-row insert per CHUNK contacts (writeTagPlan's row and event, for many contacts at once:
	// a sweep heals thousands, and one statement per contact was most of its tag writes).
	const at = Date.now();
	const fresh = new Set<string>();
	for (let i = 0; i < ids.length; i += CHUNK) {
		const params: SqlValue[] = [input.tag, input.launch, input.source ?? null, at];
		const values = ids.slice(i, i + CHUNK).map((id) => {
			params.push(id);
			return `($${params.length}, $1, $2, $3, $4)`;
		});
		const inserted = await tx.query<{ contact_id: string }>(
			`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at) VALUES ${values.join(', ')}
			 ON CONFLICT (contact_id, tag) DO NOTHING RETURNING contact_id`,
			params,
		);
		for (const r of inserted) fresh.add(r.contact_id);
	}
	const byTag = tagsToApply(plan);
	const tagged = ids.filter((id) => fresh.has(id));
	const events: NewLedgerEvent[] = tagged.flatMap((id) => appliedTagOutcome(plan, id, byTag, new Set([input.tag]), { source: input.source, at }).events);
	if (input.events) input.events.push(...events);
	else for (let i = 0; i < events.length; i += CHUNK) await recordEvents(tx, events.slice(i, i + CHUNK));
	return tagged;
}

/** Removes a system tag from contacts; returns those that had it. Writes tag.removed events. */
export async function removeSystemTag(
	tx: SqlExecutor,
	input: { launch: string; contactIds: readonly string[]; tag: string; source?: string },
): Promise<string[]> {
	const unique = [...new Set(input.contactIds)];
	const removed: string[] = [];
	for (let i = 0; i < unique.length; i += CHUNK) {
		const chunk = unique.slice(i, i + CHUNK);
		const params: SqlValue[] = [input.launch, input.tag, ...chunk];
		const rows = await tx.query<{ contact_id: string }>(
			`DELETE FROM contact_tags WHERE launch = $1 AND tag = $2 AND contact_id IN (${chunk.map((_, j) => `$${j + 3}`).join(', ')}) RETURNING contact_id`,
			params,
		);
		removed.push(...rows.map((r) => r.contact_id));
	}
	const at = Date.now();
	const events = removed.map((contactId) => ({
		launch: input.launch,
		contactId,
		type: 'tag.removed',
		source: input.source,
		data: { tag: input.tag, before: true, after: false },
		at,
	}));
	for (let i = 0; i < events.length; i += CHUNK) await recordEvents(tx, events.slice(i, i + CHUNK));
	return removed;
}
