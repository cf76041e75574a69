import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import { listRecords, type ChecklistRecord } from './records';
import { requireRun, touchRun, type ChecklistRun } from './runs';
import { CHECKLIST_STEPS, STEP_STATUSES, stepIdOf, type ChecklistStepId, type StepStatus } from './steps';

/** What one step showed: what was sent, what came back, what the ledger and the vendors hold. */
export type StepEvidence = Record<string, unknown>;

export interface StepResultInput {
	runId: string;
	step: ChecklistStepId | string;
	status: StepStatus | string;
	/** Required for skipped (why) and waiting (what for); optional otherwise. */
	reason?: string | null;
	/** Required for failed: what to do, in words a non-engineer can act on. */
	fix?: string | null;
	evidence?: StepEvidence;
	startedAt?: number;
	now?: number;
}

export interface StepResult {
	runId: string;
	step: ChecklistStepId;
	number: number;
	title: string;
	status: StepStatus | 'not_run';
	/** Whether the checklist can run this step yet. */
	built: boolean;
	reason: string | null;
	fix: string | null;
	evidence: StepEvidence;
	attempts: number;
	startedAt: number | null;
	finishedAt: number | null;
}

export interface ChecklistReport {
	run: ChecklistRun;
	/** Every step in checklist order; steps not run yet have status `not_run`. */
	steps: StepResult[];
	records: ChecklistRecord[];
	counts: Record<StepStatus | 'not_run', number>;
	/** Every built step passed (or was skipped with a reason) and nothing waits. */
	ready: boolean;
}

type StepRow = { run_id: string; step: string; status: string; reason: string | null; fix: string | null; evidence: string; attempts: number | string; started_at: number | string; finished_at: number | string };

const MAX_EVIDENCE_CHARS = 200_000;

function stepOf(row: StepRow | undefined, runId: string, step: (typeof CHECKLIST_STEPS)[number]): StepResult {
	return {
		runId,
		step: step.id,
		number: step.number,
		title: step.title,
		status: row ? (row.status as StepStatus) : 'not_run',
		built: step.built,
		reason: row?.reason ?? (row ? null : step.built ? 'Not run yet in this run.' : 'The checklist cannot run this step yet; check it by hand.'),
		fix: row?.fix ?? null,
		evidence: row ? (JSON.parse(row.evidence) as StepEvidence) : {},
		attempts: row ? Number(row.attempts) : 0,
		startedAt: row ? Number(row.started_at) : null,
		finishedAt: row ? Number(row.finished_at) : null,
	};
}

function checkedInput(input: StepResultInput): { status: StepStatus; reason: string | null; fix: string | null; evidence: string } {
	const status = input.status as StepStatus;
	if (!STEP_STATUSES.includes(status)) throw new LedgerInputError('status', `must be one of ${STEP_STATUSES.join(', ')}; got "${String(input.status)}"`);
	const reason = input.reason == null || input.reason.trim() === '' ? null : requiredText(input.reason, 'reason', 2000);
	const fix = input.fix == null || input.fix.trim() === '' ? null : requiredText(input.fix, 'fix', 4000);
	if ((status === 'skipped' || status === 'waiting') && !reason) throw new LedgerInputError('reason', `is required when a step is ${status}: say why`);
	if (status === 'failed' && !fix) throw new LedgerInputError('fix', 'is required when a step failed: say what to do about it');
	const evidence = JSON.stringify(input.evidence ?? {});
	if (evidence.length > MAX_EVIDENCE_CHARS) throw new LedgerInputError('evidence', `is longer than ${MAX_EVIDENCE_CHARS} characters as JSON; keep what proves the result`);
	return { status, reason, fix: status === 'failed' ? fix : null, evidence };
}

/** Keeps a step's latest result; running a step again replaces it and counts the attempt. */
export async function recordStepResult(tx: SqlExecutor, input: StepResultInput): Promise<StepResult> {
	const run = await requireRun(tx, input.runId, true);
	if (run.status === 'cleaned') throw new LedgerInputError('runId', `run "${run.id}" was cleaned up; start a new run`);
	const step = CHECKLIST_STEPS.find((s) => s.id === stepIdOf(input.step))!;
	const { status, reason, fix, evidence } = checkedInput(input);
	const now = input.now ?? Date.now();
	const [row] = await tx.query<StepRow>(
		`INSERT INTO checklist_steps (run_id, step, status, reason, fix, evidence, attempts, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)
		 ON CONFLICT (run_id, step) DO UPDATE SET status = excluded.status, reason = excluded.reason, fix = excluded.fix, evidence = excluded.evidence,
			attempts = checklist_steps.attempts + 1, started_at = excluded.started_at, finished_at = excluded.finished_at
		 RETURNING run_id, step, status, reason, fix, evidence, attempts, started_at, finished_at`,
		[run.id, step.id, status, reason, fix, evidence, input.startedAt ?? now, now],
	);
	await touchRun(tx, run.id, now);
	return stepOf(row, run.id, step);
}

export async function readReport(tx: SqlExecutor, runId: string): Promise<ChecklistReport> {
	const run = await requireRun(tx, runId);
	const rows = await tx.query<StepRow>('SELECT run_id, step, status, reason, fix, evidence, attempts, started_at, finished_at FROM checklist_steps WHERE run_id = $1', [run.id]);
	const byStep = new Map(rows.map((r) => [r.step, r]));
	const steps = CHECKLIST_STEPS.map((s) => stepOf(byStep.get(s.id), run.id, s));
	const counts = { passed: 0, failed: 0, waiting: 0, skipped: 0, not_run: 0 };
	for (const s of steps) counts[s.status]++;
	const ready = steps.every((s) => s.status === 'passed' || s.status === 'skipped' || (!s.built && s.status === 'not_run'));
	return { run, steps, records: await listRecords(tx, run.id), counts, ready };
}
