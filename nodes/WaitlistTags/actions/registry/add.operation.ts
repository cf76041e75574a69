import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger, TagKind } from '../../../../ledger';
import { launchOf, requiredText, sourceOf, splitList, textParameter } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';
import { tagProperty } from '../common.descriptions';
import { registryTagJson } from './list.operation';

const properties: INodeProperties[] = [
	tagProperty('e.g. Early Bird', 'The tag\'s name. It is stored in a clean form ("Early Bird" → early-bird). For a pattern, use * (e.g. clicked-email-*).'),
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		default: 'segment',
		options: [
			{ name: 'Behaviour', value: 'behaviour', description: 'Something the person did, e.g. attended-webinar' },
			{ name: 'Pattern (Ephemeral)', value: 'ephemeral', description: 'A family of short-lived tags, e.g. clicked-email-* matches clicked-email-3' },
			{ name: 'Segment', value: 'segment', description: 'A group you send to, e.g. early-bird' },
		],
	},
	{
		displayName: 'Aliases',
		name: 'aliases',
		type: 'string',
		default: '',
		placeholder: 'e.g. Early Bird (ad), EB',
		description: 'Optional, comma-separated: other names that mean this tag. "Early Bird (*)" covers any text in brackets.',
	},
	{
		displayName: 'Description',
		name: 'tagDescription',
		type: 'string',
		default: '',
		placeholder: 'e.g. Signed up before the early-bird deadline',
		description: 'Optional note for whoever reads the registry later',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registry'], operation: ['add'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const aliases = splitList(textParameter(this, 'aliases', itemIndex));
	const result = await ledger.tags.add({
		launch,
		tag: requiredText(this, 'tag', itemIndex, '"Early Bird"'),
		kind: (textParameter(this, 'kind', itemIndex) || 'segment') as TagKind,
		description: textParameter(this, 'tagDescription', itemIndex) || undefined,
		aliases,
		source: sourceOf(this),
	});
	return [done({ launch, created: result.created, ...registryTagJson(result.tag) })];
}
