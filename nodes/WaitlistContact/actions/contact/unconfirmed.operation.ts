import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf, numberParameter } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	{
		displayName: 'Waiting Longer Than (Hours)',
		name: 'olderThanHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 48,
		description: 'Only people asked to confirm at least this long ago. Example: 48 lists everyone who has not clicked their link in two days.',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['unconfirmed'] } }, properties);

/** Double opt-in: who has not confirmed after a while, oldest first, with how many in all. Nobody is deleted; the creator decides. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const olderThanHours = numberParameter(this, 'olderThanHours', itemIndex, 48);
	const report = await ledger.optin.unconfirmed({ launch, olderThanHours, limit: numberParameter(this, 'limit', itemIndex, 50) });
	return [
		done({
			olderThanHours,
			total: report.total,
			contacts: report.contacts.map((c) => ({ contactId: c.contactId, email: c.email, sentBy: c.sentBy, askedAt: new Date(c.requestedAt).toISOString(), waitingHours: c.waitingHours })),
		}),
	];
}
