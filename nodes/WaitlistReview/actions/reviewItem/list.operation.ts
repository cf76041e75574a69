import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type DeskItem } from '../../../../ledger';
import { launchOf, numberParameter, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { reviewJson, type ReviewOperation } from '../common';

const show = { show: { operation: ['list'] } };
/** The ledger hands out at most 100 items a page; more is read page by page through its cursor. */
const PAGE = 100;
const MAX_LIMIT = 1000;

export const description: INodeProperties[] = [
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		default: 'open',
		options: [
			{ name: 'Open', value: 'open', description: 'Waiting for a person to decide' },
			{ name: 'Resolved', value: 'resolved', description: 'Already settled, with who settled them and how' },
		],
		description: 'Which items to list, newest first, e.g. "Open" for a daily Slack digest of what waits',
		displayOptions: show,
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1, maxValue: MAX_LIMIT },
		description: 'Max number of results to return',
		displayOptions: { show: { operation: ['list'], returnAll: [false] } },
	},
];

/** How many items to read; Return All reads every page. */
function limitOf(ctx: IExecuteFunctions, itemIndex: number): number {
	if (ctx.getNodeParameter('returnAll', itemIndex, false) === true) return Infinity;
	const limit = numberParameter(ctx, 'limit', itemIndex, 50);
	if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
		throw new LedgerInputError('listLimit', `must be a whole number from 1 to ${MAX_LIMIT}, e.g. 50; got ${limit}. Turn on Return All to read every item`);
	}
	return limit;
}

/** The launch's review items, newest first, one output item each, read a page at a time through the ledger's cursor. */
export const execute: ReviewOperation = async function (ledger, itemIndex) {
	const launch = launchOf(this, itemIndex);
	const status = (textParameter(this, 'status', itemIndex) || 'open') as 'open' | 'resolved';
	if (status !== 'open' && status !== 'resolved') throw new LedgerInputError('status', `must be "open" or "resolved"; got "${status}"`);
	const limit = limitOf(this, itemIndex);
	const items: DeskItem[] = [];
	let cursor: string | undefined;
	do {
		const page = await ledger.review.page(launch, { status, cursor, limit: Math.min(PAGE, limit - items.length) });
		for (const item of page.items) items.push(item);
		cursor = page.next ?? undefined;
	} while (cursor !== undefined && items.length < limit);
	return items.map((item) => done(reviewJson(item)));
};
