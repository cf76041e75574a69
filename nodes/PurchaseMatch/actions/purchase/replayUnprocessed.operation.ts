import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../../ledger';
import { launchOf } from '../../../shared/parameters';
import { reviewDeskUrlOf } from '../../../shared/reviewLink';
import { refundWindowMs, routeDecision, type Routed } from '../common';
import { withReviewLinks } from './reviewAlert';

const show = { show: { operation: ['replayUnprocessed'] } };

export const description: INodeProperties[] = [
	{
		displayName:
			'Run this from a Schedule Trigger (every few minutes). The Purchase Webhook Trigger keeps every payment before it answers the provider; if the run after it failed or was stopped before Match Purchase, the provider will not send it again. This picks those payments up and decides them exactly as Match Purchase does — each one once, even when several runs replay at the same time.',
		name: 'replayNotice',
		type: 'notice',
		default: '',
		displayOptions: show,
	},
	{
		displayName: 'Unprocessed For (Minutes)',
		name: 'olderThanMinutes',
		type: 'number',
		default: 10,
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		description:
			'Replay payments still not matched this many minutes after they arrived, e.g. 10. Keep it longer than your slowest run, so a run that is still going finishes its own payment first.',
		displayOptions: show,
	},
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: 100,
		typeOptions: { minValue: 1, maxValue: 5000 },
		description: 'Most payments to replay in one run, oldest first; the rest wait for the next run',
		displayOptions: show,
	},
];

/** Minutes → ms, refusing anything that is not a positive number of minutes. */
function olderThanMs(ctx: IExecuteFunctions, itemIndex: number): number {
	const value = ctx.getNodeParameter('olderThanMinutes', itemIndex, 10) as unknown;
	const minutes = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) {
		throw new LedgerInputError('olderThanMinutes', `must be a positive number of minutes, e.g. 10; got ${JSON.stringify(value)}`);
	}
	return Math.round(minutes * 60_000);
}

/**
 * Processes the deliveries a failed run left behind through the ledger's own process() — the call
 * Match Purchase makes — so each decision leaves on Grant / Revoke / No Change / Review like a
 * matched purchase. A delivery that cannot be processed goes to Review with the error and stays in
 * the inbox; the ledger replays it again after a pause that grows with each failure, so it comes
 * back to Review now and then, not on every run.
 */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const revokeAfterMs = refundWindowMs(this, itemIndex);
	const minutes = olderThanMs(this, itemIndex);
	const deskUrl = reviewDeskUrlOf(this, itemIndex);
	const limit = this.getNodeParameter('batchSize', itemIndex, 100) as unknown;
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new LedgerInputError('batchSize', `must be a whole number of at least 1, e.g. 100; got ${JSON.stringify(limit)}`);
	const outcomes = await ledger.purchases.replayUnprocessed({ launch, olderThanMs: minutes, limit, revokeAfterMs });
	const routed = outcomes.map(({ entry, decision, error }): Routed => {
		const about = { inboxId: entry.id, provider: entry.provider, eventId: entry.eventId, eventType: entry.eventType, receivedAt: new Date(entry.receivedAt).toISOString(), replayed: true };
		if (decision) return routeDecision(entry.launch, decision, about);
		return {
			output: 'review',
			json: {
				decision: 'review',
				reason: 'replay_failed',
				message: `This payment could not be processed: ${error.message}. It stays in the inbox and is tried again${entry.nextReplayAt ? ` after ${new Date(entry.nextReplayAt).toISOString()}` : ' on the next run'} (failed replays so far: ${entry.replayAttempts}); look at inbox entry ${entry.id} and run Match Purchase on it once fixed.`,
				error: error.message,
				replayAttempts: entry.replayAttempts,
				nextReplayAt: entry.nextReplayAt ? new Date(entry.nextReplayAt).toISOString() : null,
				launch: entry.launch,
				...about,
			},
		};
	});
	return withReviewLinks(ledger, deskUrl, routed);
}
