import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { getLaunchSettings, type LaunchSettings, type UnknownTagPolicy } from '../settings/settings';
import type { SqlExecutor, SqlValue } from '../store';
import { resolveTags, type ResolvedTag } from './resolve';

function editDistance(a: string, b: string): number {
	const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		let diag = prev[0]!;
		prev[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const up = prev[j]!;
			prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
			diag = up;
		}
	}
	return prev[b.length]!;
}

/** Registry tags and aliases closest to `key`, for "did you mean" in errors. */
async function closeMatches(tx: SqlExecutor, launch: string, key: string): Promise<string[]> {
	const rows = await tx.query<{ k: string }>(
		'SELECT tag AS k FROM tag_registry WHERE launch = $1 UNION SELECT alias AS k FROM tag_aliases WHERE launch = $1',
		[launch],
	);
	return rows
		.map((r) => ({ k: r.k, d: editDistance(key, r.k) - (r.k.includes(key) || key.includes(r.k) ? 2 : 0) }))
		.filter((m) => m.d <= Math.max(3, Math.floor(key.length / 2)))
		.sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
		.slice(0, 5)
		.map((m) => m.k);
}

export interface TagPlan {
	launch: string;
	policy: UnknownTagPolicy;
	/** Tags to store on the contact (known, patterns, and unknown ones under "allow"). */
	apply: ResolvedTag[];
	/** Unknown tags kept for review instead of applied. */
	quarantine: ResolvedTag[];
}

/**
 * Resolves tags and applies the unknown-tag policy before anything is written, so a rejected tag
 * fails the whole call with an error that names the tag and suggests registry matches.
 */
export async function planTags(tx: SqlExecutor, launch: string, inputs: readonly string[], settings?: LaunchSettings, field = 'tags'): Promise<TagPlan> {
	const policy = (settings ?? (await getLaunchSettings(tx, launch))).unknownTagPolicy;
	const resolved = await resolveTags(tx, launch, inputs, field);
	return planResolvedTags(tx, launch, resolved, policy, field);
}

/** Applies the unknown-tag policy to tags already resolved (see planTags). */
export async function planResolvedTags(tx: SqlExecutor, launch: string, resolved: readonly ResolvedTag[], policy: UnknownTagPolicy, field = 'tags'): Promise<TagPlan> {
	const plan: TagPlan = { launch, policy, apply: [], quarantine: [] };
	for (const [i, r] of resolved.entries()) {
		if (r.status !== 'unknown' || policy === 'allow') plan.apply.push(r);
		else if (policy === 'quarantine') plan.quarantine.push(r);
		else {
			const close = await closeMatches(tx, launch, r.key);
			throw new LedgerInputError(
				`${field}[${i}]`,
				`"${r.input}" is not in the tag registry of launch "${launch}"` +
					(close.length ? `; close matches: ${close.join(', ')}` : '; the registry has no similar tag') +
					'. Add it to the registry (Registry → Add or Alias), or set the launch\'s unknown tag policy to "quarantine" or "allow".',
			);
		}
	}
	return plan;
}

export interface TagChangeResult {
	/** Tags newly put on the contact. */
	applied: string[];
	/** Tags the contact already had. */
	unchanged: string[];
	/** Unknown tags kept for review, not applied. */
	quarantined: string[];
}

/** The distinct tags a plan puts on a contact, each with the first input that resolved to it. */
export function tagsToApply(plan: TagPlan): Map<string, ResolvedTag> {
	const byTag = new Map<string, ResolvedTag>();
	for (const r of plan.apply) if (!byTag.has(r.tag)) byTag.set(r.tag, r);
	return byTag;
}

/** Which tags were applied (`fresh`: the rows actually inserted) and the event for each. */
export function appliedTagOutcome(
	plan: TagPlan,
	contactId: string,
	byTag: Map<string, ResolvedTag>,
	fresh: ReadonlySet<string>,
	options: { source?: string; at: number },
): { applied: string[]; unchanged: string[]; events: NewLedgerEvent[] } {
	const out = { applied: [] as string[], unchanged: [] as string[], events: [] as NewLedgerEvent[] };
	for (const [tag, r] of byTag) {
		if (!fresh.has(tag)) {
			out.unchanged.push(tag);
			continue;
		}
		out.applied.push(tag);
		out.events.push({
			launch: plan.launch,
			contactId,
			type: 'tag.applied',
			source: options.source,
			data: { tag, input: r.input, via: r.status, ...(r.status === 'unknown' ? { unregistered: true } : {}), before: false, after: true },
			at: options.at,
		});
	}
	return out;
}

/** Writes a plan for one contact: contact_tags rows, quarantine rows, one event per change. */
export async function writeTagPlan(
	tx: SqlExecutor,
	contactId: string,
	plan: TagPlan,
	// `events`: append the tag events here instead of writing them, so a caller can write all of its
	// events in one statement.
	options: { source?: string; at?: number; events?: NewLedgerEvent[] } = {},
): Promise<TagChangeResult> {
	const at = options.at ?? Date.now();
	const result: TagChangeResult = { applied: [], unchanged: [], quarantined: [] };
	const events: NewLedgerEvent[] = [];
	const byTag = tagsToApply(plan);
	if (byTag.size > 0) {
		const params: SqlValue[] = [contactId, plan.launch, options.source ?? null, at];
		const values = [...byTag.keys()].map((tag) => {
			params.push(tag);
			return `($1, $${params.length}, $2, $3, $4)`;
		});
		const inserted = await tx.query<{ tag: string }>(
			`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at) VALUES ${values.join(', ')}
			 ON CONFLICT (contact_id, tag) DO NOTHING RETURNING tag`,
			params,
		);
		const outcome = appliedTagOutcome(plan, contactId, byTag, new Set(inserted.map((r) => r.tag)), { source: options.source, at });
		result.applied.push(...outcome.applied);
		result.unchanged.push(...outcome.unchanged);
		events.push(...outcome.events);
	}
	for (const r of plan.quarantine) {
		await tx.execute(
			`INSERT INTO tag_quarantine (launch, contact_id, raw, normalized, source, status, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6)`,
			[plan.launch, contactId, r.input, r.key, options.source ?? null, at],
		);
		result.quarantined.push(r.key);
		events.push({ launch: plan.launch, contactId, type: 'tag.quarantined', source: options.source, data: { input: r.input, key: r.key }, at });
	}
	if (options.events) options.events.push(...events);
	else await recordEvents(tx, events);
	return result;
}
