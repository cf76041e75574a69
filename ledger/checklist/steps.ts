import { LedgerInputError } from '../errors';

/**
 * The steps of the pre-launch checklist, in the order a creator runs them. `built: false` steps are
 * listed in the report as not run yet (the checklist cannot run them yet), so a report never
 * suggests more was proven than was.
 */
export const CHECKLIST_STEPS = [
	{ id: 'utm_capture', number: 1, title: 'UTM capture from every campaign source', built: true },
	{ id: 'tag_vocabulary', number: 2, title: 'Tag vocabulary known to the email platform', built: true },
	{ id: 'purchase_flow', number: 3, title: 'Purchase: webhook → match → grant → delivery', built: true },
	{ id: 'edge_cases', number: 4, title: 'Edge cases: other email, refund, dropped webhook', built: true },
	{ id: 'monitoring', number: 5, title: 'Monitoring alerts reach their channel', built: true },
	{ id: 'rollback_drill', number: 6, title: 'Rollback drill: kill switch holds, resume grants once', built: true },
] as const;

export type ChecklistStepId = (typeof CHECKLIST_STEPS)[number]['id'];
export const CHECKLIST_STEP_IDS: readonly ChecklistStepId[] = CHECKLIST_STEPS.map((s) => s.id);

export type ChecklistMode = 'dry' | 'live';
export const CHECKLIST_MODES: readonly ChecklistMode[] = ['dry', 'live'];

/** What a step's latest attempt showed; `not_run` only appears in reports. */
export type StepStatus = 'passed' | 'failed' | 'waiting' | 'skipped';
export const STEP_STATUSES: readonly StepStatus[] = ['passed', 'failed', 'waiting', 'skipped'];

export function stepIdOf(value: unknown, field = 'step'): ChecklistStepId {
	const id = typeof value === 'string' ? value.trim() : '';
	if (!(CHECKLIST_STEP_IDS as readonly string[]).includes(id)) {
		throw new LedgerInputError(field, `must be one of ${CHECKLIST_STEP_IDS.join(', ')}; got "${String(value)}"`);
	}
	return id as ChecklistStepId;
}

export function modeOf(value: unknown): ChecklistMode {
	if (value === 'dry' || value === 'live') return value;
	throw new LedgerInputError('mode', `must be "dry" (no payment) or "live" (one small real payment); got "${String(value)}"`);
}

/** The test launch of a run: the real launch's name, so it sorts beside it, and the run id, so it is the run's alone. */
export const testLaunchOf = (launch: string, runId: string): string => `${launch}--checklist-${runId}`;

/** Clean Up deletes whole launches: only names of this shape may ever be deleted. */
export const isTestLaunch = (launch: string): boolean => /--checklist-ck_[0-9a-z]+$/.test(launch);
