import type { Migration } from './sql';
import { serialKey } from './sql';

/**
 * Launch monitoring: snapshots of computed signal windows, alert state per rule, the announcements
 * made, and the indexes that keep every signal an index range over the window (never a scan of all
 * contacts or purchases).
 *
 * - monitor_snapshots: one row per (launch, window length, window start). Two workers taking the
 *   same window insert one row (the primary key). Short windows are pruned after 7 days; hourly
 *   rows are kept for the launch's life.
 * - monitor_alerts: one row per (launch, rule), locked while alerts are evaluated, so two workers
 *   evaluating at the same moment decide each change once.
 * - monitor_announcements: every fired / resolved / reminder / digest message, unique per
 *   (launch, dedupe_key) — a second worker's insert of the same announcement does nothing.
 * - purchases.matched_by: how a purchase found its contact (token, customer_id, email), written when
 *   it is matched; before this column nothing kept it.
 */
export const monitorTables: Migration = {
	version: 40,
	name: 'monitor snapshots, alerts, announcements; purchases.matched_by; window indexes',
	statements: (dialect) => [
		`CREATE TABLE IF NOT EXISTS monitor_snapshots (
			launch TEXT NOT NULL,
			window_ms BIGINT NOT NULL,
			window_start BIGINT NOT NULL,
			window_end BIGINT NOT NULL,
			measured_at BIGINT NOT NULL,
			signups INTEGER NOT NULL,
			signals TEXT NOT NULL,
			PRIMARY KEY (launch, window_ms, window_start)
		)`,
		`CREATE TABLE IF NOT EXISTS monitor_alerts (
			launch TEXT NOT NULL,
			rule TEXT NOT NULL,
			state TEXT NOT NULL DEFAULT 'ok',
			episode INTEGER NOT NULL DEFAULT 0,
			since BIGINT,
			last_window_end BIGINT,
			clear_streak INTEGER NOT NULL DEFAULT 0,
			detail TEXT NOT NULL DEFAULT '{}',
			announced INTEGER NOT NULL DEFAULT 0,
			last_announced_at BIGINT,
			reminders INTEGER NOT NULL DEFAULT 0,
			acked_at BIGINT,
			acked_by TEXT,
			ack_note TEXT,
			silenced_until BIGINT,
			silenced_by TEXT,
			silence_reason TEXT,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (launch, rule)
		)`,
		`CREATE TABLE IF NOT EXISTS monitor_announcements (
			id ${serialKey(dialect)},
			launch TEXT NOT NULL,
			rule TEXT NOT NULL,
			kind TEXT NOT NULL,
			episode INTEGER NOT NULL,
			dedupe_key TEXT NOT NULL,
			data TEXT NOT NULL DEFAULT '{}',
			created_at BIGINT NOT NULL,
			UNIQUE (launch, dedupe_key)
		)`,
		`CREATE INDEX IF NOT EXISTS monitor_announcements_launch ON monitor_announcements (launch, created_at)`,
		`ALTER TABLE purchases ADD COLUMN matched_by TEXT`,
		// Reconciliation: purchases captured in the window.
		`CREATE INDEX IF NOT EXISTS purchases_launch_captured ON purchases (launch, captured_at)`,
		// Paid without access: captured purchases nobody matched (a handful, however many purchases).
		`CREATE INDEX IF NOT EXISTS purchases_unmatched ON purchases (launch, captured_at) WHERE contact_id IS NULL`,
	],
};
