import type { SqlExecutor } from '../store';

/**
 * Modules that keep rows per contact in their own tables (purchases, access, outbox …) register a
 * step that moves those rows when two contacts are merged, and puts them back on unmerge. Both run
 * inside the merge's (or unmerge's) transaction, after identity has moved identifiers and tags.
 */
export interface MergeStepContext {
	launch: string;
	/** The merged-away contact. */
	sourceId: string;
	/** The surviving contact. */
	targetId: string;
	now: number;
	source?: string;
}

export interface MergeStep {
	/** Moves the source's rows to the target; returns what unmerge needs (JSON, kept on the merge event). */
	merge(tx: SqlExecutor, context: MergeStepContext): Promise<unknown>;
	/** Puts back what `merge` moved, as far as nothing changed since; returns the review items opened for the rest. */
	unmerge(tx: SqlExecutor, context: MergeStepContext, record: unknown): Promise<{ reviewIds: string[] }>;
}

const mergeSteps = new Map<string, MergeStep>();

export function registerMergeStep(name: string, step: MergeStep): void {
	mergeSteps.set(name, step);
}

export async function runMergeSteps(tx: SqlExecutor, context: MergeStepContext): Promise<Record<string, unknown>> {
	const records: Record<string, unknown> = {};
	for (const [name, step] of mergeSteps) records[name] = await step.merge(tx, context);
	return records;
}

/** Unmerge in the reverse order of merge. A step without a record (a merge made before it existed) is skipped. */
export async function runUnmergeSteps(tx: SqlExecutor, context: MergeStepContext, records: Record<string, unknown> | undefined): Promise<{ reviewIds: string[] }> {
	const reviewIds: string[] = [];
	for (const [name, step] of [...mergeSteps].reverse()) {
		if (!records || !(name in records)) continue;
		reviewIds.push(...(await step.unmerge(tx, context, records[name])).reviewIds);
	}
	return { reviewIds };
}
