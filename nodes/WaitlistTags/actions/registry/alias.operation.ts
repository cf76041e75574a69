import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';
import { tagProperty } from '../common.descriptions';

const properties: INodeProperties[] = [
	tagProperty('e.g. early-bird', 'A tag already in the registry'),
	{
		displayName: 'Alias',
		name: 'alias',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Early Bird (ad)',
		description: 'Another name that should count as this tag from now on. "Early Bird (*)" covers any text in brackets.',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registry'], operation: ['alias'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const result = await ledger.tags.alias({
		launch,
		tag: requiredText(this, 'tag', itemIndex, '"early-bird"'),
		alias: requiredText(this, 'alias', itemIndex, '"Early Bird (ad)"'),
		source: sourceOf(this),
	});
	return [done({ launch, tag: result.tag, alias: result.alias, created: result.created })];
}
