import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { normalizeTagKey, tagKeyBase } from '../normalize';
import { getLaunchSettings, type LaunchSettings, type UnknownTagPolicy } from '../settings/settings';
import type { SqlExecutor, SqlValue } from '../store';

/**
 * The tag registry of a launch: canonical tags, their aliases, and what happens to everything else.
 * Tags are stored by key (see normalizeTagKey), so "Early Bird", "early_bird" and "early-bird" are one
 * tag without any declaration; "Early Bird (ad)" joins when declared as an alias (or "Early Bird (*)"
 * for any suffix). Ephemeral tags are patterns (`clicked-email-*`): each match is applied as itself.
 */
export type TagKind = 'segment' | 'behaviour' | 'ephemeral';
export const TAG_KINDS: readonly TagKind[] = ['segment', 'behaviour', 'ephemeral'];

export interface RegistryTag {
	tag: string;
	kind: TagKind;
	label: string | null;
	description: string | null;
	aliases: string[];
}

export interface ResolvedTag {
	input: string;
	/** The input's key. */
	key: string;
	/** The tag to store: the canonical tag, the concrete ephemeral match, or the key when unknown. */
	tag: string;
	status: 'known' | 'alias' | 'pattern' | 'unknown';
	/** The registry entry it resolved through (the pattern for ephemeral tags). */
	registryTag: string | null;
	kind: TagKind | null;
}

const MAX_TAG_LENGTH = 100;

function tagKey(input: unknown, field: string): string {
	if (typeof input !== 'string' || input.trim() === '') throw new LedgerInputError(field, 'must be a non-empty tag name such as "early-bird"');
	const key = normalizeTagKey(input);
	if (key === '' || key.startsWith('(')) throw new LedgerInputError(field, `"${input}" has no name left after normalization`);
	if (key.length > MAX_TAG_LENGTH) throw new LedgerInputError(field, `"${input.slice(0, 40)}…" is longer than ${MAX_TAG_LENGTH} characters`);
	return key;
}

export function tagList(input: unknown, field = 'tags'): string[] {
	if (input === undefined || input === null) return [];
	// Nodes often receive "a, b, c" from a form field, and lists built by expressions can hold blanks:
	// each entry is trimmed, and blank ones ("a, ,b ,") are dropped — never an empty tag.
	const list = typeof input === 'string' ? input.split(',') : input;
	if (!Array.isArray(list)) throw new LedgerInputError(field, 'must be a list of tag names or a comma-separated text');
	return list
		.map((t, i) => {
			if (typeof t !== 'string') throw new LedgerInputError(`${field}[${i}]`, `must be text; got ${JSON.stringify(t)}`);
			return t.trim();
		})
		.filter((t) => t !== '');
}

function patternRegex(pattern: string): RegExp {
	const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
	return new RegExp(`^${escaped.join('.+')}$`);
}

export type RegistryRow = { src: string; k: string; tag: string | null; kind: string | null };

/**
 * The registry rows that can decide these keys: aliases of the keys (and of their "base (*)"
 * wildcard), registry tags among the keys, and every ephemeral pattern. Parameters start at $2
 * ($1 is the launch).
 */
function registryLookupSql(keys: readonly string[], params: SqlValue[]): string {
	const lookups = new Set<string>();
	for (const key of keys) {
		lookups.add(key);
		const base = tagKeyBase(key);
		if (base) lookups.add(`${base}(*)`);
	}
	const first = params.length + 1;
	params.push(...lookups);
	const placeholders = [...lookups].map((_, i) => `$${first + i}`).join(', ');
	return `SELECT 'alias' AS src, a.alias AS k, a.tag AS tag, r.kind AS kind
		   FROM tag_aliases a LEFT JOIN tag_registry r ON r.launch = a.launch AND r.tag = a.tag
		  WHERE a.launch = $1 AND a.alias IN (${placeholders})
		 UNION ALL
		 SELECT 'tag' AS src, tag AS k, tag AS tag, kind FROM tag_registry
		  WHERE launch = $1 AND (tag IN (${placeholders}) OR kind = 'ephemeral')`;
}

function resolveFromRows(inputs: readonly string[], keys: readonly string[], rows: readonly RegistryRow[]): ResolvedTag[] {
	const tags = new Map<string, TagKind>();
	const aliases = new Map<string, { tag: string; kind: TagKind | null }>();
	const patterns: { tag: string; regex: RegExp }[] = [];
	for (const r of rows) {
		if (r.src === 'alias') aliases.set(r.k, { tag: r.tag!, kind: r.kind as TagKind | null });
		else if (r.src === 'tag') {
			tags.set(r.k, r.kind as TagKind);
			if (r.kind === 'ephemeral' && r.tag!.includes('*')) patterns.push({ tag: r.tag!, regex: patternRegex(r.tag!) });
		}
	}
	return keys.map((key, i): ResolvedTag => {
		const input = inputs[i]!;
		const direct = tags.get(key);
		if (direct) return { input, key, tag: key, status: 'known', registryTag: key, kind: direct };
		const alias = aliases.get(key) ?? (tagKeyBase(key) ? aliases.get(`${tagKeyBase(key)}(*)`) : undefined);
		if (alias) return { input, key, tag: alias.tag, status: 'alias', registryTag: alias.tag, kind: alias.kind };
		const pattern = patterns.find((p) => p.regex.test(key));
		if (pattern) return { input, key, tag: key, status: 'pattern', registryTag: pattern.tag, kind: 'ephemeral' };
		return { input, key, tag: key, status: 'unknown', registryTag: null, kind: null };
	});
}

/** Resolves tags against the registry in one query. No writes, no policy. */
export async function resolveTags(tx: SqlExecutor, launch: string, inputs: readonly string[], field = 'tags'): Promise<ResolvedTag[]> {
	if (inputs.length === 0) return [];
	const keys = inputs.map((t, i) => tagKey(t, `${field}[${i}]`));
	const params: SqlValue[] = [launch];
	const rows = await tx.query<RegistryRow>(registryLookupSql(keys, params), params);
	return resolveFromRows(inputs, keys, rows);
}

/**
 * A launch's stored settings (the raw JSON, or null when none were set) and the resolution of
 * `inputs` against its tag registry, read in one statement: on PostgreSQL every statement is a
 * round trip. Always read from the database, never from a cache, so a change committed by any
 * process is seen by the next call. A tag name that is not valid at all is returned as `tagError`
 * (not thrown), so the caller can report input errors in its own order.
 */
export async function readSettingsAndTags(
	tx: SqlExecutor,
	launch: string,
	inputs: readonly string[],
	field = 'tags',
): Promise<SettingsAndTags> {
	let keys: string[] = [];
	let tagError: unknown;
	try {
		keys = inputs.map((t, i) => tagKey(t, `${field}[${i}]`));
	} catch (error) {
		tagError = error;
		keys = [];
	}
	const params: SqlValue[] = [launch];
	const rows = await tx.query<RegistryRow>(settingsAndTagsSql(keys, params), params);
	const settingsData = rows.find((r) => r.src === 'settings')?.k ?? null;
	return { settingsData, resolved: tagError ? [] : resolveFromRows(inputs, keys, rows), tagError, rows, keys };
}

export interface SettingsAndTags {
	settingsData: string | null;
	resolved: ResolvedTag[];
	tagError?: unknown;
	/** The rows read (settings row and registry rows), for a caller that checks later they are unchanged. */
	rows: RegistryRow[];
	/** The normalized tag keys the registry was asked about. */
	keys: string[];
}

/** What readSettingsAndTags returns, from rows it read earlier (for the same keys) instead of a new read. */
export function settingsAndTagsFromRows(inputs: readonly string[], keys: readonly string[], rows: RegistryRow[]): SettingsAndTags {
	const settingsData = rows.find((r) => r.src === 'settings')?.k ?? null;
	return { settingsData, resolved: resolveFromRows(inputs, keys, rows), rows, keys: [...keys] };
}

/** The tag keys of a call's tag inputs (throws the same errors readSettingsAndTags reports as tagError). */
export function tagKeys(inputs: readonly string[], field = 'tags'): string[] {
	return inputs.map((t, i) => tagKey(t, `${field}[${i}]`));
}

/**
 * The statement readSettingsAndTags runs: the launch's settings row and the registry rows for `keys`
 * as (src, k, tag, kind). `params` must hold the launch as $1; the keys are appended.
 */
export function settingsAndTagsSql(keys: readonly string[], params: SqlValue[]): string {
	const settingsSql = `SELECT 'settings' AS src, data AS k, NULL AS tag, NULL AS kind FROM settings WHERE launch = $1`;
	return keys.length ? `${settingsSql}\n\t\t UNION ALL\n\t\t ${registryLookupSql(keys, params)}` : settingsSql;
}

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

// ── registry ────────────────────────────────────────────────────────────────────────────────────

function tagKindOf(kind: unknown, field: string): TagKind {
	const k = kind === undefined || kind === null || kind === '' ? 'segment' : kind;
	if (typeof k !== 'string' || !(TAG_KINDS as readonly string[]).includes(k)) {
		throw new LedgerInputError(field, `must be one of ${TAG_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
	}
	return k as TagKind;
}

function optionalText(value: unknown, field: string): string | null {
	if (value === undefined || value === null || value === '') return null;
	if (typeof value !== 'string') throw new LedgerInputError(field, 'must be text');
	return value.trim() || null;
}

export interface AddTagInput {
	launch: string;
	/** Display name or key; stored by key ("Early Bird" → early-bird). For ephemeral, a pattern with *. */
	tag: string;
	kind?: TagKind;
	description?: string;
	aliases?: string[];
	source?: string;
}

export async function addRegistryTag(tx: SqlExecutor, input: AddTagInput): Promise<{ tag: RegistryTag; created: boolean }> {
	const key = tagKey(input.tag, 'tag');
	const kind = tagKindOf(input.kind, 'kind');
	if (key.includes('*') && kind !== 'ephemeral') {
		throw new LedgerInputError('tag', `"${input.tag}" contains *, which only ephemeral tags (patterns such as clicked-email-*) may use; set kind to ephemeral`);
	}
	const description = optionalText(input.description, 'description');
	const [aliasClash] = await tx.query<{ tag: string }>('SELECT tag FROM tag_aliases WHERE launch = $1 AND alias = $2', [input.launch, key]);
	if (aliasClash) throw new LedgerInputError('tag', `"${input.tag}" is already an alias of "${aliasClash.tag}"`);
	const now = Date.now();
	const inserted = await tx.query<{ tag: string }>(
		`INSERT INTO tag_registry (launch, tag, kind, label, description, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (launch, tag) DO NOTHING RETURNING tag`,
		[input.launch, key, kind, input.tag.trim(), description, now],
	);
	const created = inserted.length === 1;
	if (created) {
		await recordEvents(tx, [
			{ launch: input.launch, contactId: null, type: 'tag_registry.added', source: input.source, data: { tag: key, kind, label: input.tag.trim(), description }, at: now },
		]);
	} else {
		const [existing] = await tx.query<{ kind: string }>('SELECT kind FROM tag_registry WHERE launch = $1 AND tag = $2', [input.launch, key]);
		if (existing && existing.kind !== kind) {
			throw new LedgerInputError('kind', `tag "${key}" is already registered as ${existing.kind}; it cannot also be ${kind}`);
		}
	}
	for (const [i, alias] of (input.aliases ?? []).entries()) await addTagAlias(tx, { launch: input.launch, tag: key, alias, source: input.source, field: `aliases[${i}]` });
	const entry = (await listRegistry(tx, input.launch)).find((t) => t.tag === key)!;
	return { tag: entry, created };
}

export async function addTagAlias(
	tx: SqlExecutor,
	input: { launch: string; tag: string; alias: string; source?: string; field?: string },
): Promise<{ alias: string; tag: string; created: boolean }> {
	const field = input.field ?? 'alias';
	const tag = tagKey(input.tag, 'tag');
	const alias = tagKey(input.alias, field);
	const [registered] = await tx.query<{ tag: string }>('SELECT tag FROM tag_registry WHERE launch = $1 AND tag = $2', [input.launch, tag]);
	if (!registered) throw new LedgerInputError('tag', `"${input.tag}" is not in the registry of launch "${input.launch}"; add it first`);
	// An alias that normalizes to the tag itself needs no row: normalization already joins them.
	if (alias === tag) return { alias, tag, created: false };
	const [isTag] = await tx.query<{ tag: string }>('SELECT tag FROM tag_registry WHERE launch = $1 AND tag = $2', [input.launch, alias]);
	if (isTag) throw new LedgerInputError(field, `"${input.alias}" is itself a registered tag; an alias must not be one`);
	const now = Date.now();
	const inserted = await tx.query<{ alias: string }>(
		`INSERT INTO tag_aliases (launch, alias, tag, label, created_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (launch, alias) DO NOTHING RETURNING alias`,
		[input.launch, alias, tag, input.alias.trim(), now],
	);
	if (inserted.length === 0) {
		const [existing] = await tx.query<{ tag: string }>('SELECT tag FROM tag_aliases WHERE launch = $1 AND alias = $2', [input.launch, alias]);
		if (existing && existing.tag !== tag) throw new LedgerInputError(field, `"${input.alias}" is already an alias of "${existing.tag}"`);
		return { alias, tag, created: false };
	}
	await recordEvents(tx, [{ launch: input.launch, contactId: null, type: 'tag_registry.aliased', source: input.source, data: { tag, alias, label: input.alias.trim() }, at: now }]);
	return { alias, tag, created: true };
}

export async function listRegistry(tx: SqlExecutor, launch: string): Promise<RegistryTag[]> {
	const tags = await tx.query<{ tag: string; kind: string; label: string | null; description: string | null }>(
		'SELECT tag, kind, label, description FROM tag_registry WHERE launch = $1 ORDER BY tag',
		[launch],
	);
	const aliases = await tx.query<{ alias: string; tag: string }>('SELECT alias, tag FROM tag_aliases WHERE launch = $1 ORDER BY alias', [launch]);
	return tags.map((t) => ({
		tag: t.tag,
		kind: t.kind as TagKind,
		label: t.label,
		description: t.description,
		aliases: aliases.filter((a) => a.tag === t.tag).map((a) => a.alias),
	}));
}

export interface RegistryDocument {
	format: 'waitlist-ledger.tag-registry';
	version: 1;
	launch: string;
	tags: { tag: string; kind: TagKind; label?: string | null; description?: string | null; aliases: string[] }[];
}

export async function exportRegistry(tx: SqlExecutor, launch: string): Promise<RegistryDocument> {
	return { format: 'waitlist-ledger.tag-registry', version: 1, launch, tags: await listRegistry(tx, launch) };
}

/** Adds every tag and alias of a document (from exportRegistry, or written by hand). Existing entries stay. */
export async function importRegistry(
	tx: SqlExecutor,
	launch: string,
	document: unknown,
	options: { source?: string } = {},
): Promise<{ added: string[]; aliased: string[]; unchanged: string[] }> {
	const doc = typeof document === 'string' ? parseJson(document) : document;
	const list = Array.isArray(doc) ? doc : (doc as { tags?: unknown } | null)?.tags;
	if (!Array.isArray(list)) throw new LedgerInputError('registry', 'must be JSON like {"tags": [{"tag": "early-bird", "kind": "segment", "aliases": ["Early Bird (ad)"]}]}');
	const result = { added: [] as string[], aliased: [] as string[], unchanged: [] as string[] };
	for (const [i, entry] of list.entries()) {
		const e = entry as Record<string, unknown> | null;
		if (!e || typeof e !== 'object' || typeof e.tag !== 'string') throw new LedgerInputError(`registry.tags[${i}].tag`, 'is required');
		const aliases = e.aliases === undefined ? [] : tagList(e.aliases, `registry.tags[${i}].aliases`);
		const { tag, created } = await addRegistryTag(tx, {
			launch,
			tag: typeof e.label === 'string' && normalizeTagKey(e.label) === normalizeTagKey(e.tag) ? e.label : e.tag,
			kind: tagKindOf(e.kind, `registry.tags[${i}].kind`),
			description: optionalText(e.description, `registry.tags[${i}].description`) ?? undefined,
			source: options.source,
		});
		(created ? result.added : result.unchanged).push(tag.tag);
		for (const [j, alias] of aliases.entries()) {
			const a = await addTagAlias(tx, { launch, tag: tag.tag, alias, source: options.source, field: `registry.tags[${i}].aliases[${j}]` });
			if (a.created) result.aliased.push(a.alias);
		}
	}
	return result;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new LedgerInputError('registry', `is not valid JSON: ${(error as Error).message}`);
	}
}
