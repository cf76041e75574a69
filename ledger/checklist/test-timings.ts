import { isTestLaunch } from './steps';

/*
 * A checklist run rehearses in minutes what a real launch spreads over days: in a test launch the
 * refund window is shortened and a payment whose run was lost is replayed sooner. Only a test launch
 * (a name of that shape, checklist/steps.ts) gets these timings; a real launch keeps its own.
 */

/** A refund in a test launch revokes at once, so step 4 sees the revoke within the step. */
export const TEST_REFUND_WINDOW_MS = 0;
/** A test launch's unprocessed payment is replayed after this long (a real launch waits 10 minutes by default). */
export const TEST_REPLAY_AFTER_MS = 5_000;

export const refundWindowFor = (launch: string, revokeAfterMs: number): number => (isTestLaunch(launch) ? Math.min(revokeAfterMs, TEST_REFUND_WINDOW_MS) : revokeAfterMs);

export const replayAfterFor = (launch: string, olderThanMs: number | undefined): number | undefined =>
	isTestLaunch(launch) ? Math.min(olderThanMs ?? TEST_REPLAY_AFTER_MS, TEST_REPLAY_AFTER_MS) : olderThanMs;
