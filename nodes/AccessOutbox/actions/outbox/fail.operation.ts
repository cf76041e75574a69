import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { parseRetryAfter, type Ledger } from '../../../../ledger';
import { claimProofOf, entryIdProperty, settleInBatches, sourceOf, text } from '../common';

const show = { show: { operation: ['fail'] } };

export const description: INodeProperties[] = [
	...entryIdProperty('fail'),
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
];

/** Outcome per item: retry (with nextAttemptAt), dead, lease_lost, already_done or not_found. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return settleInBatches(
		this,
		items,
		(i) => {
			const retryAfter = text(this, 'retryAfter', i);
			parseRetryAfter(retryAfter); // checked per item, so one bad header fails only its item
			return { ...claimProofOf(this, i), error: text(this, 'error', i), retryAfter: retryAfter || null, permanent: this.getNodeParameter('permanent', i, false) === true };
		},
		async (launch, failures) => (await ledger.outbox.fail(launch, failures, { source: sourceOf(this) })).map((r) => ({ ...r })),
	);
}
