import type { Migration } from './sql';
import { serialKey } from './sql';

export const coreTables: Migration = {
		version: 1,
		name: 'contacts, identifiers, events, settings, outbox',
		statements: (dialect) => [
			`CREATE TABLE IF NOT EXISTS contacts (
				id TEXT PRIMARY KEY,
				launch TEXT NOT NULL,
				status TEXT NOT NULL DEFAULT 'active',
				email TEXT,
				phone TEXT,
				profile TEXT NOT NULL DEFAULT '{}',
				first_touch TEXT,
				last_touch TEXT,
				consent TEXT,
				is_test INTEGER NOT NULL DEFAULT 0,
				merged_into TEXT,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS contacts_launch_created ON contacts (launch, created_at)`,
			// The primary key is what makes dedupe race-free: two concurrent signups of one person
			// cannot both insert the same (launch, kind, value).
			`CREATE TABLE IF NOT EXISTS identifiers (
				launch TEXT NOT NULL,
				kind TEXT NOT NULL,
				value TEXT NOT NULL,
				contact_id TEXT NOT NULL,
				display_value TEXT,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (launch, kind, value)
			)`,
			`CREATE INDEX IF NOT EXISTS identifiers_contact ON identifiers (contact_id)`,
			`CREATE TABLE IF NOT EXISTS events (
				id ${serialKey(dialect)},
				launch TEXT NOT NULL,
				contact_id TEXT,
				type TEXT NOT NULL,
				source TEXT,
				data TEXT NOT NULL DEFAULT '{}',
				created_at BIGINT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS events_contact ON events (contact_id, id)`,
			`CREATE INDEX IF NOT EXISTS events_launch_type ON events (launch, type, created_at)`,
			`CREATE TABLE IF NOT EXISTS settings (
				launch TEXT PRIMARY KEY,
				data TEXT NOT NULL DEFAULT '{}',
				updated_at BIGINT NOT NULL
			)`,
			`CREATE TABLE IF NOT EXISTS outbox (
				id TEXT PRIMARY KEY,
				launch TEXT NOT NULL,
				kind TEXT NOT NULL,
				idempotency_key TEXT NOT NULL,
				contact_id TEXT,
				payload TEXT NOT NULL DEFAULT '{}',
				status TEXT NOT NULL DEFAULT 'pending',
				attempts INTEGER NOT NULL DEFAULT 0,
				next_attempt_at BIGINT NOT NULL,
				lease_until BIGINT,
				claimed_by TEXT,
				last_error TEXT,
				response_id TEXT,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				UNIQUE (launch, idempotency_key)
			)`,
			`CREATE INDEX IF NOT EXISTS outbox_due ON outbox (launch, status, next_attempt_at)`,
		],
	};
