import type { NewLedgerEvent } from '../events';
import type { NormalizedIdentifier } from '../normalize';
import type { SqlExecutor, SqlValue } from '../store';
import { appliedTagOutcome, tagsToApply, type TagChangeResult, type TagPlan } from '../tags/plan';
import { settingsAndTagsSql, type RegistryRow, type ResolvedTag } from '../tags/resolve';

/**
 * PostgreSQL: claims the canonical identifier and, only if the claim succeeded, inserts the contact,
 * its tags and all of the call's events — one statement, one round trip. Returns null (and has
 * written nothing) when another contact already holds the identifier.
 */
export async function createInOneStatement(
	tx: SqlExecutor,
	c: {
		launch: string;
		canonical: NormalizedIdentifier;
		contactId: string;
		now: number;
		contactValues: SqlValue[];
		createdEvent: NewLedgerEvent;
		tagPlan: TagPlan | null;
		source?: string;
		/**
		 * Settings and registry rows this create was planned from, read earlier: the statement writes
		 * only if re-reading them now (in its own snapshot) gives the same rows, else returns 'stale'.
		 */
		plannedFrom?: { keys: readonly string[]; rows: readonly RegistryRow[] };
	},
): Promise<{ tags: TagChangeResult } | 'stale' | null> {
	const byTag = c.tagPlan ? tagsToApply(c.tagPlan) : new Map<string, ResolvedTag>();
	// A new contact has no tags yet, so every planned tag is applied.
	const outcome = c.tagPlan
		? appliedTagOutcome(c.tagPlan, c.contactId, byTag, new Set(byTag.keys()), { source: c.source, at: c.now })
		: { applied: [], unchanged: [], events: [] };
	const events = [c.createdEvent, ...outcome.events];
	const params: SqlValue[] = [c.launch, c.canonical.kind, c.canonical.value, c.contactId, c.canonical.display, c.now, c.source ?? null, ...c.contactValues];
	// $8..$15: email, phone, profile, field_times, first_touch, last_touch, consent, is_test
	const tagValues = [...byTag.keys()].map((tag) => {
		params.push(tag);
		return `($${params.length})`;
	});
	const eventValues = events.map((e, i) => {
		params.push(i, e.type, JSON.stringify(e.data ?? {}));
		const n = params.length;
		return `($${n - 2}::int, $${n - 1}, $${n})`;
	});
	const tagsCte = tagValues.length
		? `, t AS (
			INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at)
			SELECT claim.contact_id, v.tag, $1, $7, $6::bigint FROM claim CROSS JOIN (VALUES ${tagValues.join(', ')}) AS v(tag))`
		: '';
	let guard = '';
	let claimSource = 'VALUES ($1, $2, $3, $4, $5, $6)';
	if (c.plannedFrom) {
		// Multiset equality of what is stored now and what the plan was made from (EXCEPT ALL both
		// ways; NULLs compare equal there). The claim, and so every insert, happens only if it holds.
		const current = settingsAndTagsSql(c.plannedFrom.keys, params);
		params.push(JSON.stringify(c.plannedFrom.rows.map((r) => ({ src: r.src, k: r.k, tag: r.tag, kind: r.kind }))));
		guard = `cur AS (${current}),
		planned AS (SELECT src, k, tag, kind FROM json_to_recordset($${params.length}::json) AS p(src text, k text, tag text, kind text)),
		fresh AS (
			SELECT 1 AS ok WHERE NOT EXISTS (SELECT src, k, tag, kind FROM cur EXCEPT ALL SELECT src, k, tag, kind FROM planned)
			                 AND NOT EXISTS (SELECT src, k, tag, kind FROM planned EXCEPT ALL SELECT src, k, tag, kind FROM cur)
		), `;
		claimSource = 'SELECT $1, $2, $3, $4, $5, $6::bigint FROM fresh';
	}
	const [row] = await tx.query<{ contact_id: string | null; fresh: boolean }>(
		`WITH ${guard}claim AS (
			INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at)
			${claimSource}
			ON CONFLICT (launch, kind, value) DO NOTHING
			RETURNING contact_id
		), c AS (
			INSERT INTO contacts (id, launch, status, email, phone, profile, field_times, first_touch, last_touch, consent, is_test, created_at, updated_at)
			SELECT claim.contact_id, $1, 'active', $8, $9, $10, $11, $12, $13, $14, $15::int, $6::bigint, $6::bigint FROM claim
		)${tagsCte}, e AS (
			INSERT INTO events (launch, contact_id, type, source, data, created_at)
			SELECT $1, claim.contact_id, v.type, $7, v.data, $6::bigint FROM claim CROSS JOIN (VALUES ${eventValues.join(', ')}) AS v(ord, type, data)
			ORDER BY v.ord
		)
		SELECT (SELECT contact_id FROM claim) AS contact_id, ${c.plannedFrom ? 'EXISTS (SELECT 1 FROM fresh)' : 'true'} AS fresh`,
		params,
	);
	if (!row?.fresh) return 'stale';
	if (row.contact_id === null) return null;
	return { tags: { applied: outcome.applied, unchanged: outcome.unchanged, quarantined: [] } };
}
