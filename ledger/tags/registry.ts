import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import { normalizeTagKey } from '../normalize';
import type { SqlExecutor } from '../store';
import { TAG_KINDS, tagKey, tagList, type TagKind } from './resolve';

/** The launch's tag registry: canonical tags with their kind and aliases, added by hand or imported as JSON. */
export interface RegistryTag {
	tag: string;
	kind: TagKind;
	label: string | null;
	description: string | null;
	aliases: string[];
}

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

