import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import type { StoreConfig } from '../../ledger';

/**
 * The "Waitlist Ledger" credential data (as a user fills it in) that points at a test database.
 * Pass as `credentials` to the in-process harness.
 */
export function ledgerCredentialFor(config: StoreConfig): Record<string, ICredentialDataDecryptedObject> {
	if (config.driver === 'sqlite') return { waitlistLedgerApi: { driver: 'sqlite', sqlitePath: config.path } };
	return {
		waitlistLedgerApi: {
			driver: 'postgres',
			postgresConnection: 'fields',
			host: config.host ?? 'localhost',
			port: config.port ?? 5432,
			database: config.database ?? '',
			user: config.user ?? '',
			password: config.password ?? '',
			ssl: 'disable',
			schema: config.schema ?? 'waitlist_ledger',
		},
	};
}
