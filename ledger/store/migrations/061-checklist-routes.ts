import type { Migration } from './sql';

/**
 * A checklist run's route key: the signups a run sends through the public capture URL carry
 * `X-Waitlist-Checklist: <run id>.<route key>`, and only a header with the run's key sends a signup
 * to the run's test launch (ledger/checklist/routing.ts). Runs made before this have none: their
 * signups cannot be routed, so a new run is needed.
 */
export const checklistRoutes: Migration = {
	version: 61,
	name: 'checklist run route keys',
	statements: () => [`ALTER TABLE checklist_runs ADD COLUMN route_key TEXT`],
};
