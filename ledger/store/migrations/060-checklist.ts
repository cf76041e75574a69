import type { Migration } from './sql';
import { serialKey } from './sql';

/**
 * The pre-launch checklist (ledger/checklist/):
 * - checklist_runs: one rehearsal of a launch, dry or live, with the test launch its ledger-only work
 *   uses (`<launch>--checklist-<run>`), so rehearsal rows never mix with the real launch's.
 * - checklist_steps: the latest result of each step of a run (passed / failed / waiting / skipped),
 *   with its evidence and, when it failed, the fix in plain words. One row per (run, step): running a
 *   step again replaces its result and counts the attempt.
 * - checklist_records: every record a run created, in the ledger or at a vendor, so Clean Up can
 *   remove each one and list what it could not; `seq` keeps the order they were created in.
 */
export const checklistTables: Migration = {
	version: 60,
	name: 'pre-launch checklist runs, steps and created records',
	statements: (dialect) => [
		`CREATE TABLE IF NOT EXISTS checklist_runs (
			id TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			mode TEXT NOT NULL,
			test_launch TEXT NOT NULL UNIQUE,
			settings TEXT NOT NULL,
			status TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			cleaned_at BIGINT
		)`,
		`CREATE INDEX IF NOT EXISTS checklist_runs_launch ON checklist_runs (launch, created_at)`,
		`CREATE TABLE IF NOT EXISTS checklist_steps (
			run_id TEXT NOT NULL,
			step TEXT NOT NULL,
			status TEXT NOT NULL,
			reason TEXT,
			fix TEXT,
			evidence TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 1,
			started_at BIGINT NOT NULL,
			finished_at BIGINT NOT NULL,
			PRIMARY KEY (run_id, step)
		)`,
		`CREATE TABLE IF NOT EXISTS checklist_records (
			seq ${serialKey(dialect)},
			run_id TEXT NOT NULL,
			system TEXT NOT NULL,
			kind TEXT NOT NULL,
			record_id TEXT NOT NULL,
			label TEXT,
			created_at BIGINT NOT NULL,
			removed_at BIGINT,
			removal TEXT,
			note TEXT,
			UNIQUE (run_id, system, kind, record_id)
		)`,
	],
};
