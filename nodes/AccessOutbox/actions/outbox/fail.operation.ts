import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { parseRetryAfter } from '../../../../ledger';
import { claimProofOf, claimProofProperties, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxSettlement } from '../common';

const show = { show: { operation: ['fail'] } };

export const description: INodeProperties[] = [
	...claimProofProperties('fail'),
	{
		displayName: 'Error',
		name: 'error',
		type: 'string',
		default: '={{ $json.error?.message ?? $json.error }}',
		description: 'What went wrong; kept as the entry\'s last error and shown in the dead letter',
		displayOptions: show,
	},
	{
		displayName: 'Retry After',
		name: 'retryAfter',
		type: 'string',
		default: '',
		placeholder: '={{ $json.headers?.["retry-after"] }}',
		description: 'The vendor\'s Retry-After header: seconds (120) or an HTTP date. Empty: exponential backoff with jitter.',
		displayOptions: show,
	},
	{
		displayName: 'Permanent',
		name: 'permanent',
		type: 'boolean',
		default: false,
		description: 'Whether retrying cannot help (e.g. 400 Bad Request): the entry goes to the dead letter at once',
		displayOptions: show,
	},
	{
		displayName: 'Options',
		name: 'retryOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'First Retry After (Seconds)',
				name: 'baseDelaySeconds',
				type: 'number',
				default: 30,
				typeOptions: { minValue: 0.1, maxValue: 86400 },
				description: 'Backoff before the first retry; it doubles with each failed attempt (with random jitter) when the vendor sends no Retry-After',
			},
			{
				displayName: 'Longest Wait (Seconds)',
				name: 'maxDelaySeconds',
				type: 'number',
				default: 3600,
				typeOptions: { minValue: 1, maxValue: 86400 },
				description: 'The backoff never grows beyond this',
			},
		],
	},
];

/** Outcome per item: retry (with nextAttemptAt), dead, lease_lost, already_done or not_found. */
export const settlement: OutboxSettlement<{ id: string; claimToken: string; error: string; retryAfter: string | null; permanent: boolean }> = {
	read(itemIndex) {
		const retryAfter = textParameter(this, 'retryAfter', itemIndex);
		parseRetryAfter(retryAfter); // checked per item, so one bad header fails only its item
		return {
			...claimProofOf(this, itemIndex),
			error: textParameter(this, 'error', itemIndex),
			retryAfter: retryAfter || null,
			permanent: this.getNodeParameter('permanent', itemIndex, false) === true,
		};
	},
	async settle(ledger, launch, failures) {
		const results = await ledger.outbox.fail(launch, failures, { source: sourceOf(this), ...retryPolicyOf(this) });
		return results.map((result) => done({ ...result }));
	},
};

/** The backoff options, read once per run (they are plain settings, not per-item data). */
function retryPolicyOf(ctx: IExecuteFunctions): { baseDelayMs?: number; maxDelayMs?: number } {
	const options = ctx.getNodeParameter('retryOptions', 0, {}) as { baseDelaySeconds?: number; maxDelaySeconds?: number };
	const ms = (seconds: unknown) => (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined);
	return { baseDelayMs: ms(options.baseDelaySeconds), maxDelayMs: ms(options.maxDelaySeconds) };
}
