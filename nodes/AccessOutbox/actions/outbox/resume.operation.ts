import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { forEachItem, launchOf, personProperties, sourceOf, text } from '../common';

export const description: INodeProperties[] = [...personProperties(['resume'])];

/** Kill switch off: every held entry is released, in the order it was created. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return forEachItem(this, items, async (i) => {
		const result = await ledger.outbox.resume({ launch: launchOf(this, i), by: text(this, 'by', i), reason: text(this, 'reason', i), source: sourceOf(this) });
		return { ...result };
	});
}
