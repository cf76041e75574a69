import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger, ResolvedTag } from '../../../../ledger';
import { launchOf } from '../../../shared/parameters';
import { done, review, type Routed } from '../../../shared/runner';
import { tagsOf, tagsProperty } from '../common.descriptions';
import { unknownTagReview } from '../../../shared/review';

const properties: INodeProperties[] = [
	{
		displayName: 'Only checks and cleans the tags against the registry; no contact is changed',
		name: 'normalizeNotice',
		type: 'notice',
		default: '',
	},
	tagsProperty,
];

export const description = updateDisplayOptions({ show: { resource: ['tag'], operation: ['normalize'] } }, properties);

function resolvedJson(r: ResolvedTag) {
	return { input: r.input, tag: r.tag, status: r.status, kind: r.kind };
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	// The same plan applying would make, so "reject" fails here as it would there, with close matches.
	const plan = await ledger.tags.plan({ launch, tags: tagsOf(this, itemIndex) });
	return [
		done({
			launch,
			tags: [...new Set(plan.apply.map((r) => r.tag))],
			resolved: plan.apply.map(resolvedJson),
			quarantined: plan.quarantine.map((r) => r.key),
			unknownTagPolicy: plan.policy,
		}),
		...plan.quarantine.map((r) => review(unknownTagReview({ launch, contactId: null, tag: r.key, input: r.input }))),
	];
}
