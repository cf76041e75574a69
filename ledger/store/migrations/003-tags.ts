import type { Migration } from './sql';
import { serialKey } from './sql';

export const tagTables: Migration = {
	version: 3,
	name: 'tag registry, aliases, contact tags, tag quarantine',
	statements: (dialect) => [
		// tag is the canonical key; for ephemeral tags it is a pattern such as clicked-email-*.
		`CREATE TABLE IF NOT EXISTS tag_registry (
			launch TEXT NOT NULL,
			tag TEXT NOT NULL,
			kind TEXT NOT NULL,
			label TEXT,
			description TEXT,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (launch, tag)
		)`,
		`CREATE TABLE IF NOT EXISTS tag_aliases (
			launch TEXT NOT NULL,
			alias TEXT NOT NULL,
			tag TEXT NOT NULL,
			label TEXT,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (launch, alias)
		)`,
		`CREATE TABLE IF NOT EXISTS contact_tags (
			contact_id TEXT NOT NULL,
			tag TEXT NOT NULL,
			launch TEXT NOT NULL,
			source TEXT,
			applied_at BIGINT NOT NULL,
			PRIMARY KEY (contact_id, tag)
		)`,
		`CREATE INDEX IF NOT EXISTS contact_tags_launch_tag ON contact_tags (launch, tag)`,
		`CREATE TABLE IF NOT EXISTS tag_quarantine (
			id ${serialKey(dialect)},
			launch TEXT NOT NULL,
			contact_id TEXT,
			raw TEXT NOT NULL,
			normalized TEXT NOT NULL,
			source TEXT,
			status TEXT NOT NULL DEFAULT 'open',
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS tag_quarantine_open ON tag_quarantine (launch, status)`,
	],
};
