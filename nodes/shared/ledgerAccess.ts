import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IDataObject,
	type INodeCredentialTestResult,
	type IWebhookFunctions,
} from 'n8n-workflow';

import { closeLedgersOnExit, defaultSqlitePath, getLedger, openStore, schemaVersion, type Ledger, type StoreConfig } from '../../ledger';

export const LEDGER_CREDENTIAL = 'waitlistLedgerApi';
export const LEDGER_CONNECTION_TEST = 'waitlistLedgerConnectionTest';


function text(data: IDataObject, key: string): string | undefined {
	const value = data[key];
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function storeConfigFromCredential(data: ICredentialDataDecryptedObject | undefined): StoreConfig {
	if (!data || data.driver !== 'postgres') {
		return { driver: 'sqlite', path: (data && text(data, 'sqlitePath')) ?? defaultSqlitePath() };
	}
	const sslChoice = text(data, 'ssl') ?? 'disable';
	const ssl = sslChoice === 'disable' ? false : { rejectUnauthorized: sslChoice === 'verify' };
	const common = { driver: 'postgres' as const, ssl, schema: text(data, 'schema') };
	if (data.postgresConnection === 'url') return { ...common, connectionString: text(data, 'connectionString') };
	return {
		...common,
		host: text(data, 'host') ?? 'localhost',
		port: typeof data.port === 'number' ? data.port : 5432,
		database: text(data, 'database'),
		user: text(data, 'user'),
		password: typeof data.password === 'string' ? data.password : undefined,
	};
}

interface CredentialReader {
	getNode(): { credentials?: Record<string, unknown> };
	getCredentials(type: string): Promise<ICredentialDataDecryptedObject>;
}

/**
 * The ledger this node should use: the selected credential's, or the embedded SQLite default when
 * the node has none selected. A selected credential that cannot be read is an error, never a silent
 * switch to another database.
 */
export async function ledgerFor(ctx: CredentialReader): Promise<Ledger> {
	const selected = ctx.getNode().credentials?.[LEDGER_CREDENTIAL] !== undefined;
	const data = selected ? await ctx.getCredentials(LEDGER_CREDENTIAL) : undefined;
	closeLedgersOnExit();
	return getLedger(storeConfigFromCredential(data));
}

/** The ledger for a webhook call; one that cannot be opened is a node error with what to check (`description`). */
export async function webhookLedger(ctx: IWebhookFunctions, description: string): Promise<Ledger> {
	try {
		return await ledgerFor(ctx);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), error as Error, { description });
	}
}

/** "Test" button of the credential: connects, migrates, reports the schema version. */
export async function waitlistLedgerConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		const store = await openStore(storeConfigFromCredential(credential.data));
		try {
			return { status: 'OK', message: `Connected to ${store.location}, schema version ${await schemaVersion(store)}` };
		} finally {
			await store.close();
		}
	} catch (error) {
		return { status: 'Error', message: `Could not open the ledger: ${(error as Error).message}` };
	}
}
