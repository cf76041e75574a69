import { LedgerInputError } from '../errors';
import { normalizeTagKey, tagKeyBase, untypeableCharacter } from '../normalize';
import type { SqlExecutor, SqlValue } from '../store';

/**
 * The tag registry of a launch: canonical tags, their aliases, and what happens to everything else.
 * Tags are stored by key (see normalizeTagKey), so "Early Bird", "early_bird" and "early-bird" are one
 * tag without any declaration; "Early Bird (ad)" joins when declared as an alias (or "Early Bird (*)"
 * for any suffix). Ephemeral tags are patterns (`clicked-email-*`): each match is applied as itself.
 */
export type TagKind = 'segment' | 'behaviour' | 'ephemeral';
export const TAG_KINDS: readonly TagKind[] = ['segment', 'behaviour', 'ephemeral'];

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

export function tagKey(input: unknown, field: string): string {
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
			const untypeable = untypeableCharacter(t);
			if (untypeable) throw new LedgerInputError(`${field}[${i}]`, untypeable);
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
