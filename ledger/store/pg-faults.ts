import { LedgerUnavailableError } from '../errors';

/*
 * Telling a lost connection from a failed statement, so the PostgreSQL store can retry only where a
 * retry cannot apply anything twice.
 */

// SQLSTATE class 08 (connection exception) plus the server shutting down, crashing or starting up.
const SERVER_CODES = /^(08|57P01|57P02|57P03)/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg's own wording for a socket that closed under it or a connect that timed out.
const DRIVER_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed/i;

/** True when the connection failed, not the SQL: the server closed it, refused it, or never answered. */
export function isConnectionError(error: unknown): boolean {
	const e = error as { code?: unknown; message?: unknown } | null;
	if (!e || typeof e !== 'object') return false;
	if (typeof e.code === 'string' && (SERVER_CODES.test(e.code) || SOCKET_CODES.has(e.code))) return true;
	return typeof e.message === 'string' && DRIVER_MESSAGES.test(e.message);
}

// Failures that prove the statement was not carried out: the server ended the session (a backend
// terminated mid-statement rolls it back), or the driver never sent it.
const NOT_APPLIED_CODES = /^(57P01|57P02|57P03|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/;
const NOT_SENT_MESSAGES = /not queryable|timeout exceeded when trying to connect|Client was closed/i;

/**
 * True when the failed statement certainly did not apply, so sending it again cannot apply it twice.
 * A socket cut without the server's word ("Connection terminated unexpectedly", ECONNRESET) is not
 * such a proof: the server may have committed just before.
 */
export function provedNotApplied(error: unknown): boolean {
	const e = error as { code?: unknown; message?: unknown } | null;
	if (!e || typeof e !== 'object') return false;
	if (typeof e.code === 'string' && NOT_APPLIED_CODES.test(e.code)) return true;
	return typeof e.message === 'string' && NOT_SENT_MESSAGES.test(e.message);
}

/** The error callers see once the retry is spent (or not allowed): the pack's own, with the driver's words. */
export function unavailable(location: string, error: unknown): LedgerUnavailableError {
	const e = error as { code?: unknown; message?: unknown };
	const detail = [typeof e.code === 'string' ? e.code : '', typeof e.message === 'string' ? e.message : String(error)].filter(Boolean).join(' ');
	return new LedgerUnavailableError(location, detail);
}

/** A statement that only reads: safe to send again after the connection dropped mid-way. */
export function isReadOnly(sql: string): boolean {
	return /^\s*SELECT\b/i.test(sql) && !/\bFOR\s+(UPDATE|SHARE|NO KEY UPDATE)\b|\bnextval\s*\(|pg_advisory/i.test(sql);
}

/**
 * How long the one retry waits: long enough for a restarting server to listen again (a restart
 * takes a fraction of a second), short enough for a webhook's caller to wait.
 */
export const RETRY_PAUSE_MS = 500;

export function pauseBeforeRetry(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
}
