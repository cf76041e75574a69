import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	{
		displayName: 'Gives the whole registry as one item, ready for Import in another launch or n8n',
		name: 'exportNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['registry'], operation: ['export'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const document = await ledger.tags.export(launchOf(this, itemIndex));
	return [done(document as unknown as IDataObject)];
}
