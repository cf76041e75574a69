import type { Migration } from './sql';

/** Hosted-form stamps (`wl_ts`) already used: each may carry one signup (capture/stamps.ts). */
export const captureFormStamps: Migration = {
	version: 34,
	name: 'capture form stamps used once',
	statements: () => [
		`CREATE TABLE IF NOT EXISTS capture_form_stamps (
			launch TEXT NOT NULL,
			stamp TEXT NOT NULL,
			shown_at BIGINT NOT NULL,
			used_at BIGINT NOT NULL,
			PRIMARY KEY (launch, stamp)
		)`,
		`CREATE INDEX IF NOT EXISTS capture_form_stamps_shown ON capture_form_stamps (launch, shown_at)`,
	],
};
