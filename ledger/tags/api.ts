import type { Store } from '../store';
import { applyTags, listContactTags, listQuarantinedTags, removeTags, type QuarantinedTag } from './contact-tags';
import { planTags, type TagChangeResult, type TagPlan } from './plan';
import { addRegistryTag, addTagAlias, exportRegistry, importRegistry, listRegistry, type AddTagInput, type RegistryDocument, type RegistryTag } from './registry';
import { resolveTags, tagList, type ResolvedTag } from './resolve';

/** Tags on contacts and the per-launch tag registry. */
export class TagsApi {
	constructor(private readonly store: Store) {}

	apply(input: { launch: string; contactId: string; tags: string[] | string; source?: string }): Promise<TagChangeResult> {
		return this.store.transaction((tx) => applyTags(tx, input));
	}

	remove(input: { launch: string; contactId: string; tags: string[] | string; source?: string }): Promise<{ removed: string[]; notPresent: string[] }> {
		return this.store.transaction((tx) => removeTags(tx, input));
	}

	/** What each tag would become, without writing anything. */
	normalize(input: { launch: string; tags: string[] | string }): Promise<ResolvedTag[]> {
		return this.store.transaction((tx) => resolveTags(tx, input.launch, tagList(input.tags)));
	}

	/** What applying these tags would do under the launch's unknown-tag policy, without writing; throws on reject. */
	plan(input: { launch: string; tags: string[] | string }): Promise<TagPlan> {
		return this.store.transaction((tx) => planTags(tx, input.launch, tagList(input.tags)));
	}

	ofContact(contactId: string): Promise<{ tag: string; source: string | null; appliedAt: number }[]> {
		return listContactTags(this.store, contactId);
	}

	add(input: AddTagInput): Promise<{ tag: RegistryTag; created: boolean }> {
		return this.store.transaction((tx) => addRegistryTag(tx, input));
	}

	alias(input: { launch: string; tag: string; alias: string; source?: string }): Promise<{ alias: string; tag: string; created: boolean }> {
		return this.store.transaction((tx) => addTagAlias(tx, input));
	}

	list(launch: string): Promise<RegistryTag[]> {
		return listRegistry(this.store, launch);
	}

	export(launch: string): Promise<RegistryDocument> {
		return exportRegistry(this.store, launch);
	}

	import(input: { launch: string; registry: unknown; source?: string }): Promise<{ added: string[]; aliased: string[]; unchanged: string[] }> {
		return this.store.transaction((tx) => importRegistry(tx, input.launch, input.registry, { source: input.source }));
	}

	quarantined(launch: string): Promise<QuarantinedTag[]> {
		return listQuarantinedTags(this.store, launch);
	}
}
