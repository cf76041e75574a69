import type { SqlExecutor } from '../store';

/**
 * What merge, unmerge and forget do to rows other resources keep per contact (purchases, access,
 * inbox, outbox, capture rejections …). Each resource exports its steps; the Ledger hands them over
 * as explicit lists (see CONTACT_STEPS in ledger.ts), so what a merge or a forget covers never
 * depends on which modules happen to be loaded.
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

/** Runs inside the merge's (or unmerge's) transaction, after the contact's own identifiers and tags moved. */
export interface MergeStep {
	/** Names the step's record on the merge event; never renamed, or older merges cannot be unmerged. */
	readonly name: string;
	/** Moves the source's rows to the target; returns what unmerge needs (JSON, kept on the merge event). */
	merge(tx: SqlExecutor, context: MergeStepContext): Promise<unknown>;
	/** Puts back what `merge` moved, as far as nothing changed since; returns the review items opened for the rest. */
	unmerge(tx: SqlExecutor, context: MergeStepContext, record: unknown): Promise<{ reviewIds: string[] }>;
}

export interface ForgetContext {
	launch: string;
	/** The forgotten contact and every contact merged into it. */
	contactIds: string[];
	/** Normalized and display values of their identifiers, for resources that must search payloads. */
	values: string[];
	at: number;
}

/** Redacts a resource's personal data about a forgotten person, inside the forget's transaction. */
export interface ForgetStep {
	readonly name: string;
	forget(tx: SqlExecutor, context: ForgetContext): Promise<void>;
}

/** The steps merge, unmerge and forget run, in order (unmerge runs the merge steps backwards). */
export interface ContactSteps {
	readonly merge: readonly MergeStep[];
	readonly forget: readonly ForgetStep[];
}

export async function runMergeSteps(tx: SqlExecutor, steps: readonly MergeStep[], context: MergeStepContext): Promise<Record<string, unknown>> {
	const records: Record<string, unknown> = {};
	for (const step of steps) records[step.name] = await step.merge(tx, context);
	return records;
}

/** Unmerge in the reverse order of merge. A step without a record (a merge made before it existed) is skipped. */
export async function runUnmergeSteps(
	tx: SqlExecutor,
	steps: readonly MergeStep[],
	context: MergeStepContext,
	records: Record<string, unknown> | undefined,
): Promise<{ reviewIds: string[] }> {
	const reviewIds: string[] = [];
	for (const step of [...steps].reverse()) {
		if (!records || !(step.name in records)) continue;
		reviewIds.push(...(await step.unmerge(tx, context, records[step.name])).reviewIds);
	}
	return { reviewIds };
}

export async function runForgetSteps(tx: SqlExecutor, steps: readonly ForgetStep[], context: ForgetContext): Promise<void> {
	for (const step of steps) await step.forget(tx, context);
}
