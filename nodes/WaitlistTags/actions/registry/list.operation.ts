import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger, RegistryTag } from '../../../../ledger';
import { launchOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	{
		displayName: 'Gives one item per registered tag, with its kind and aliases',
		name: 'listNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registry'], operation: ['list'] } }, properties);

export function registryTagJson(tag: RegistryTag): IDataObject {
	return { tag: tag.tag, kind: tag.kind, label: tag.label, description: tag.description, aliases: tag.aliases };
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	return (await ledger.tags.list(launch)).map((tag) => done({ launch, ...registryTagJson(tag) }));
}
