import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IDataObject,
	type IDisplayOptions,
	type INodeCredentialTestResult,
	type INodeProperties,
	type INodePropertyOptions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import {
	closeLedgersOnExit,
	defaultSqlitePath,
	defaultStoreConfig,
	getLedger,
	LEDGER_DATABASE_URL_ENV,
	openStore,
	schemaVersion,
	type Ledger,
	type StoreConfig,
} from '../../ledger';

export const LEDGER_CREDENTIAL = 'waitlistLedgerApi';
export const LEDGER_CONNECTION_TEST = 'waitlistLedgerConnectionTest';

/*
 * Where a node's ledger lives: the "Storage" parameter every pack node shows.
 *  - default:    the embedded SQLite file, or the server's WAITLIST_LEDGER_DATABASE_URL when set (one
 *                place points the whole pack at PostgreSQL); no credential shown.
 *  - credential: the Waitlist Ledger credential selected on the node.
 *  - auto:       the credential if one is selected, else as "default" — what a node saved before this
 *                parameter existed means. n8n fills a missing parameter with its default and refuses to
 *                hand a node a credential its displayOptions hide, so version-1 nodes default to "auto"
 *                (a workflow with a credential selected keeps using it). Version 1.1 of the action nodes
 *                defaults to "default"; the three webhook triggers cannot take a new version (n8n parses
 *                the body itself for a webhook node whose version is not 1), so theirs stays "auto".
 */
export const STORAGE_PARAMETER = 'storage';
export type Storage = 'default' | 'credential' | 'auto';

const DEFAULT_OPTION: INodePropertyOptions = {
	name: `Default — Embedded, or the Server's ${LEDGER_DATABASE_URL_ENV}`,
	value: 'default',
	description: `The embedded SQLite file in the n8n user folder, or the PostgreSQL database in ${LEDGER_DATABASE_URL_ENV} when the server sets it. No credential needed.`,
};
const CREDENTIAL_OPTION: INodePropertyOptions = {
	name: 'PostgreSQL Credential',
	value: 'credential',
	description: 'A Waitlist Ledger credential selected on this node (PostgreSQL, or a SQLite file of your choice)',
};
const AUTO_OPTION: INodePropertyOptions = {
	name: 'Default, or the Credential Below if One Is Selected',
	value: 'auto',
	description: 'As "Default" unless a Waitlist Ledger credential is selected on this node (how nodes saved before the Storage parameter behave)',
};

function storageProperty(def: Storage, options: INodePropertyOptions[], show?: IDisplayOptions['show']): INodeProperties {
	return {
		displayName: 'Storage',
		name: STORAGE_PARAMETER,
		type: 'options',
		noDataExpression: true,
		options,
		default: def,
		description: 'Which ledger this node reads and writes. Every node of a launch must use the same one.',
		...(show ? { displayOptions: { show } } : {}),
	};
}

/**
 * The Storage parameter. `currentSince`: the node version from which new nodes default to "Default"
 * (older versions of the node default to "auto"); without it every version defaults to "auto".
 */
export function storageProperties(currentSince?: number): INodeProperties[] {
	const all = [DEFAULT_OPTION, CREDENTIAL_OPTION, AUTO_OPTION];
	if (currentSince === undefined) return [storageProperty('auto', all)];
	return [
		storageProperty('auto', all, { '@version': [{ _cnd: { lt: currentSince } }] }),
		storageProperty('default', [DEFAULT_OPTION, CREDENTIAL_OPTION], { '@version': [{ _cnd: { gte: currentSince } }] }),
	];
}

/*
 * Every pack node lists the ledger credential as a literal (n8n's lint reads it from the source):
 *   { name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest',
 *     displayOptions: { hide: { storage: ['default'] } } }
 * hidden while Storage is "Default". Not required by n8n: an "auto" node without one uses the default
 * ledger; "PostgreSQL Credential" without one is refused at run time, naming the fix (storeConfigFor).
 */


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
	getNode(): { credentials?: Record<string, unknown>; parameters?: Record<string, unknown>; typeVersion?: number };
	getCredentials(type: string): Promise<ICredentialDataDecryptedObject>;
}

/** The node's Storage; n8n has filled in the default for a node saved without it. */
export function storageOf(node: { parameters?: Record<string, unknown> }): Storage {
	const value = node.parameters?.[STORAGE_PARAMETER];
	return value === 'default' || value === 'credential' ? value : 'auto';
}

/**
 * Which ledger the node uses: see Storage above. A selected credential that cannot be read is an
 * error, never a silent switch to another database.
 */
export async function storeConfigFor(ctx: CredentialReader): Promise<StoreConfig> {
	const node = ctx.getNode();
	const storage = storageOf(node);
	const selected = node.credentials?.[LEDGER_CREDENTIAL] !== undefined;
	if (storage === 'credential' && !selected) {
		throw new Error('Storage is "PostgreSQL Credential" but no Waitlist Ledger credential is selected: select one on this node, or set Storage to "Default"');
	}
	if (storage === 'default' || !selected) return defaultStoreConfig();
	return storeConfigFromCredential(await ctx.getCredentials(LEDGER_CREDENTIAL));
}

export async function ledgerFor(ctx: CredentialReader): Promise<Ledger> {
	const config = await storeConfigFor(ctx);
	closeLedgersOnExit();
	return getLedger(config);
}

/**
 * The ledger for a webhook call; one that cannot be opened is a node error with what to check
 * (`description`). A database that is down passes through as it is: the trigger answers it 503.
 */
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
