import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../../../ledger';
import { jsonParameter, launchOf, sourceOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	{
		displayName: 'Registry JSON',
		name: 'registry',
		type: 'json',
		default: '{\n  "tags": [\n    { "tag": "early-bird", "kind": "segment", "aliases": ["Early Bird (ad)"] }\n  ]\n}',
		required: true,
		description:
			'A registry as Export gives it, or written by hand. Tags and aliases already there are kept. An expression can pass what an earlier node read, e.g. the contents of a file.',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registry'], operation: ['import'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const registry = jsonParameter(this, 'registry', itemIndex, 'registry');
	if (registry === undefined) throw new LedgerInputError('registry', 'is empty; paste a registry such as {"tags": [{"tag": "early-bird"}]}');
	const result = await ledger.tags.import({ launch, registry, source: sourceOf(this) });
	return [done({ launch, added: result.added, aliased: result.aliased, unchanged: result.unchanged })];
}
