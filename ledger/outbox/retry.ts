import { LedgerInputError } from '../errors';

export const DEFAULT_RETRY_BASE_MS = 30_000;
export const DEFAULT_RETRY_MAX_MS = 60 * 60_000;

export interface RetryPolicy {
	/** First retry delay (ms); doubles per attempt. */
	baseDelayMs?: number;
	/** Longest backoff delay (ms). */
	maxDelayMs?: number;
	/** Source of jitter in [0, 1); Math.random by default. */
	random?: () => number;
}

/**
 * Backoff before the next attempt after `attempts` tries: base·2^(attempts−1), capped, with "equal
 * jitter" (half fixed, half random) so a burst of failures does not come back as a burst.
 */
export function outboxRetryDelay(attempts: number, policy: RetryPolicy = {}): number {
	const base = policy.baseDelayMs ?? DEFAULT_RETRY_BASE_MS;
	const cap = policy.maxDelayMs ?? DEFAULT_RETRY_MAX_MS;
	const exp = Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
	return Math.round(exp / 2 + (policy.random ?? Math.random)() * (exp / 2));
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110). null when absent.
 * A date in the past means "now" (0).
 */
export function parseRetryAfter(value: unknown, now = Date.now(), field = 'retryAfter'): number | null {
	if (value === undefined || value === null || value === '') return null;
	if (typeof value === 'number') {
		if (!Number.isFinite(value) || value < 0) throw new LedgerInputError(field, `must be seconds (0 or more) or an HTTP date; got ${value}`);
		return Math.round(value * 1000);
	}
	if (typeof value !== 'string') throw new LedgerInputError(field, 'must be seconds or an HTTP date such as "Wed, 21 Oct 2026 07:28:00 GMT"');
	const text = value.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const at = Date.parse(text);
	if (Number.isNaN(at)) throw new LedgerInputError(field, `must be seconds or an HTTP date such as "Wed, 21 Oct 2026 07:28:00 GMT"; got ${JSON.stringify(value)}`);
	return Math.max(0, at - now);
}
