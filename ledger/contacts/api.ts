import { listEvents, listLaunchEvents, type EventFilter, type LedgerEvent } from '../events';
import { forgetContact } from './forget';
import type { ContactSteps } from './steps';
import {
	countContacts,
	countContactsByLaunch,
	findContact,
	getContact,
	linkIdentifier,
	mergeContacts,
	unlinkIdentifier,
	unmergeContact,
	upsertContactAlone,
	upsertContactsInOrder,
	type ContactRecord,
	type LinkIdentifierInput,
	type LinkIdentifierResult,
	type MergeContactsInput,
	type UpsertContactInput,
	type UpsertContactResult,
	type UpsertManyOutcome,
} from './upsert';
import { getReviewItem, listReviewItems, resolveReviewItem, type ReviewItem } from '../review/review';
import { getLaunchSettings, updateLaunchSettings, type LaunchSettings, type LaunchSettingsPatch } from '../settings/settings';
import type { Store } from '../store';
import {
	addRegistryTag,
	addTagAlias,
	applyTags,
	exportRegistry,
	importRegistry,
	listContactTags,
	listQuarantinedTags,
	listRegistry,
	planTags,
	removeTags,
	resolveTags,
	tagList,
	type AddTagInput,
	type QuarantinedTag,
	type RegistryDocument,
	type RegistryTag,
	type ResolvedTag,
	type TagChangeResult,
	type TagPlan,
} from '../tags/resolve';

/**
 * Contacts and identity: one method per use case, each in its own transaction. `steps` are what merge,
 * unmerge and forget do to other resources' rows (handed over by the Ledger).
 */
export class ContactsApi {
	constructor(
		private readonly store: Store,
		private readonly steps: ContactSteps,
	) {}

	upsert(input: UpsertContactInput): Promise<UpsertContactResult> {
		return upsertContactAlone(this.store, input);
	}

	/**
	 * Many upserts (an import, a backlog), in order, with one outcome per input — exactly what calling
	 * upsert for each would give, errors included, but cheaper: on SQLite up to 100 share a commit.
	 * Not all-or-nothing: inputs that fail are reported, the others are kept.
	 */
	upsertMany(inputs: readonly UpsertContactInput[]): Promise<UpsertManyOutcome[]> {
		return upsertContactsInOrder(this.store, inputs);
	}

	get(contactId: string): Promise<ContactRecord | null> {
		return getContact(this.store, contactId);
	}

	/**
	 * The contact `contactId` lives on in: itself while active, or — after one or more merges — the
	 * contact its merges lead to. Null for an unknown id. The one place nodes turn a possibly merged
	 * contact id into the one vendors, tokens and grants should use.
	 */
	async current(contactId: string): Promise<ContactRecord | null> {
		const seen = new Set<string>();
		let contact = await getContact(this.store, contactId);
		// `seen` only guards against a corrupted chain; merge and unmerge never make a cycle.
		while (contact?.mergedInto && !seen.has(contact.id)) {
			seen.add(contact.id);
			contact = await getContact(this.store, contact.mergedInto);
		}
		return contact;
	}

	/** By any identifier: email, phone, customer_id, purchase_token, ext:<system>. */
	find(input: { launch: string; kind: string; value: string }): Promise<ContactRecord | null> {
		return this.store.transaction((tx) => findContact(tx, input));
	}

	link(input: LinkIdentifierInput): Promise<LinkIdentifierResult> {
		return this.store.transaction((tx) => linkIdentifier(tx, input));
	}

	unlink(input: LinkIdentifierInput): Promise<{ unlinked: boolean }> {
		return this.store.transaction((tx) => unlinkIdentifier(tx, input));
	}

	merge(input: MergeContactsInput): Promise<{ contactId: string; changes: UpsertContactResult['changes'] }> {
		return this.store.transaction((tx) => mergeContacts(tx, input, this.steps.merge));
	}

	unmerge(input: { launch: string; contactId: string; source?: string }): Promise<{ contactId: string; restoredFrom: string; keptOnTarget: string[]; reviewIds: string[] }> {
		return this.store.transaction((tx) => unmergeContact(tx, input, this.steps.merge));
	}

	forget(input: { launch: string; contactId: string; source?: string }): Promise<{ contactIds: string[]; identifiersForgotten: number }> {
		return this.store.transaction((tx) => forgetContact(tx, input, this.steps.forget));
	}

	count(launch: string): Promise<number> {
		return countContacts(this.store, launch);
	}

	countByLaunch(): Promise<Array<{ launch: string; contacts: number }>> {
		return countContactsByLaunch(this.store);
	}

	/** Oldest first by default, so `{ limit: 10 }` is the first 10; `{ order: 'newest', limit: 10 }` is the latest 10, newest first. */
	history(contactId: string, filter?: EventFilter): Promise<LedgerEvent[]> {
		return listEvents(this.store, contactId, filter);
	}

	launchHistory(launch: string, filter?: EventFilter): Promise<LedgerEvent[]> {
		return listLaunchEvents(this.store, launch, filter);
	}
}

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

export class SettingsApi {
	constructor(private readonly store: Store) {}

	get(launch: string): Promise<LaunchSettings> {
		return getLaunchSettings(this.store, launch);
	}

	update(launch: string, patch: LaunchSettingsPatch, options: { source?: string } = {}): Promise<LaunchSettings> {
		return this.store.transaction((tx) => updateLaunchSettings(tx, launch, patch, options));
	}
}

/** Links the ledger would not make alone. Resolve by merging (contacts.merge with reviewId) or with a note. */
export class ReviewApi {
	constructor(private readonly store: Store) {}

	list(launch: string, filter?: { status?: 'open' | 'resolved'; contactId?: string; limit?: number }): Promise<ReviewItem[]> {
		return listReviewItems(this.store, launch, filter);
	}

	get(id: string): Promise<ReviewItem | null> {
		return getReviewItem(this.store, id);
	}

	resolve(id: string, resolution: string, options: { source?: string } = {}): Promise<ReviewItem> {
		return this.store.transaction((tx) => resolveReviewItem(tx, id, resolution, options));
	}
}
