import type { Migration } from './sql';

/**
 * Outbox claims, ordering, kill switch and the reconcile staging area.
 *
 * - claim_token: a fresh value per claim, so only the current lease holder can ack, fail or release.
 * - max_attempts: per entry, so a grant can retry longer than a tag sync.
 * - pause_exempt: a held entry a person released by hand while the kill switch is on.
 * - seq: insertion order. Held entries are released in it; UUID ids and millisecond times cannot
 *   order entries created in the same millisecond. SQLite fills it from rowid by trigger, because
 *   ALTER TABLE cannot add an auto-increment column there.
 */
export const outboxClaims: Migration = {
	version: 10,
	name: 'outbox claim token, max attempts, order; kill switch; reconcile staging',
	statements: (dialect) => [
		`ALTER TABLE outbox ADD COLUMN claim_token TEXT`,
		`ALTER TABLE outbox ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 8`,
		// Set when a person releases one held entry during a pause: it may pass the kill switch.
		`ALTER TABLE outbox ADD COLUMN pause_exempt INTEGER NOT NULL DEFAULT 0`,
		...(dialect === 'postgres'
			? [`ALTER TABLE outbox ADD COLUMN seq BIGSERIAL`]
			: [
					`ALTER TABLE outbox ADD COLUMN seq INTEGER`,
					`UPDATE outbox SET seq = rowid`,
					`CREATE TRIGGER IF NOT EXISTS outbox_seq AFTER INSERT ON outbox FOR EACH ROW WHEN NEW.seq IS NULL
					 BEGIN UPDATE outbox SET seq = NEW.rowid WHERE rowid = NEW.rowid; END`,
				]),
		// Claims scan (launch, status, next_attempt_at); a claimed entry's next_attempt_at is its lease
		// end, so expired leases are found by the same index.
		`CREATE INDEX IF NOT EXISTS outbox_launch_status_seq ON outbox (launch, status, seq)`,
		`CREATE INDEX IF NOT EXISTS outbox_contact_kind ON outbox (contact_id, kind)`,
		`CREATE TABLE IF NOT EXISTS outbox_switches (
			launch TEXT PRIMARY KEY,
			scope TEXT,
			paused_by TEXT,
			reason TEXT,
			paused_at BIGINT,
			updated_at BIGINT NOT NULL
		)`,
		// One row per vendor record seen by a sweep run, so set differences (missing in the ESP, same
		// email twice) are computed by the database instead of in memory.
		`CREATE TABLE IF NOT EXISTS reconcile_seen (
			run_id TEXT NOT NULL,
			system TEXT NOT NULL,
			record_key TEXT NOT NULL,
			contact_id TEXT,
			PRIMARY KEY (run_id, system, record_key)
		)`,
		`CREATE INDEX IF NOT EXISTS reconcile_seen_contact ON reconcile_seen (run_id, system, contact_id)`,
		`CREATE TABLE IF NOT EXISTS reconcile_findings (
			run_id TEXT NOT NULL,
			seq INTEGER NOT NULL,
			launch TEXT NOT NULL,
			kind TEXT NOT NULL,
			system TEXT,
			contact_id TEXT,
			data TEXT NOT NULL DEFAULT '{}',
			created_at BIGINT NOT NULL,
			PRIMARY KEY (run_id, seq)
		)`,
		`CREATE TABLE IF NOT EXISTS reconcile_runs (
			id TEXT PRIMARY KEY,
			launch TEXT NOT NULL,
			status TEXT NOT NULL,
			report TEXT NOT NULL DEFAULT '{}',
			started_at BIGINT NOT NULL,
			finished_at BIGINT
		)`,
		`CREATE INDEX IF NOT EXISTS reconcile_runs_launch ON reconcile_runs (launch, started_at)`,
	],
};
