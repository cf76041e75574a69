import type { Migration } from './sql';
import { serialKey } from './sql';

/** Every refused signup attempt, with why: a rejected signup is answered clearly and never lost. */
export const captureRejections: Migration = {
	version: 30,
	name: 'capture rejections and form secrets',
	statements: (dialect) => [
		`CREATE TABLE IF NOT EXISTS capture_rejections (
			id ${serialKey(dialect)},
			launch TEXT NOT NULL,
			status INTEGER NOT NULL,
			reason TEXT NOT NULL,
			errors TEXT NOT NULL DEFAULT '[]',
			content_type TEXT,
			payload TEXT,
			remote_address TEXT,
			user_agent TEXT,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS capture_rejections_launch ON capture_rejections (launch, created_at)`,
		// Signs the hosted form's "shown at" time; one per launch, made on first use.
		`CREATE TABLE IF NOT EXISTS capture_secrets (launch TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at BIGINT NOT NULL)`,
	],
};
