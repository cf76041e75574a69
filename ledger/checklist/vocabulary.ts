import type { RegistryTag } from '../tags/registry';

/** One registry tag as the email platform knows it (or does not). */
export interface VocabularyTag {
	tag: string;
	kind: RegistryTag['kind'];
	/** The name the vendor has for it, when it has one. */
	vendorName: string | null;
}

export interface VocabularyCheck {
	/** Registry tags that can drive an automation: segments and behaviours (ephemeral patterns are not one name). */
	tags: VocabularyTag[];
	/** Tags the vendor does not know, by their registry name: an automation waiting on them never starts. */
	unknown: string[];
}

const nameKey = (name: string): string => name.trim().toLowerCase();

/**
 * Step 2's rule: which registry tags the vendor must know, and which it does not. The drain tags by
 * the registry's name and the vendor finds a tag by name without regard to case, so that is the
 * comparison: "Early Bird" at Kit is not the registry's "early-bird" (an automation on it would wait
 * for a tag nobody sends).
 */
export function compareVocabulary(registry: RegistryTag[], vendorNames: string[]): VocabularyCheck {
	const byKey = new Map<string, string>();
	for (const name of vendorNames) if (name.trim() !== '') byKey.set(nameKey(name), name);
	const tags = registry
		.filter((t) => t.kind !== 'ephemeral')
		.map((t) => ({ tag: t.tag, kind: t.kind, vendorName: byKey.get(nameKey(t.tag)) ?? null }));
	return { tags, unknown: tags.filter((t) => t.vendorName === null).map((t) => t.tag) };
}
