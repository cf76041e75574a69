export { LedgerInputError } from './errors';
export type { LedgerEvent } from './events';
export { normalizeEmail, type ContactRecord, type UpsertContactInput, type UpsertContactResult } from './identity';
export { Ledger } from './ledger';
export { closeAllLedgers, closeLedgersOnExit, getLedger } from './registry';
export { createStore, defaultSqlitePath, openStore, LATEST_SCHEMA_VERSION, type StoreConfig } from './store';
