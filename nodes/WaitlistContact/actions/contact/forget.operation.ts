import { NodeOperationError, updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { contactIdProperty, launchOf, requiredText, sourceOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';
import { checkN8nApi, deleteExecutionsHolding, personNeedles } from './n8nExecutions';

const properties: INodeProperties[] = [
	{
		displayName:
			'Forget erases this person\'s personal data from the ledger for good (profile, identifiers, tags, history details). Only a one-way fingerprint stays, so old replayed data cannot bring them back.',
		name: 'forgetNotice',
		type: 'notice',
		default: '',
	},
	contactIdProperty({ description: 'The contact to erase, e.g. {{ $json.contactId }}. Contacts merged into it are erased too.' }),
	{
		displayName: 'Delete Their Workflow Executions Too',
		name: 'deleteN8nExecutions',
		type: 'boolean',
		default: false,
		description:
			"Whether to also delete the runs n8n keeps that hold this person's email, phone or IDs (their signup, their payment …), through n8n's API with an n8n API credential. The newest executions are searched, up to Executions to Search; this run itself cannot be deleted, so do not keep its data (workflow settings → Save successful production executions: Do not save).",
	},
	{
		displayName: 'Executions to Search',
		name: 'executionsToSearch',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 5000,
		description: 'How many of the newest executions (all workflows) to search for the person. Older ones are not looked at; n8n deletes runs older than EXECUTIONS_DATA_MAX_AGE hours by itself.',
		displayOptions: { show: { deleteN8nExecutions: [true] } },
	},
];

export const description = updateDisplayOptions({ show: { operation: ['forget'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const deleteExecutions = this.getNodeParameter('deleteN8nExecutions', itemIndex, false) as boolean;
	if (deleteExecutions) await checkN8nApi(this, itemIndex);
	const result = await ledger.contacts.forget({ launch, contactId, source: sourceOf(this) });
	const json: IDataObject = {
		contactId,
		created: false,
		launch,
		forgotten: true,
		forgottenContactIds: result.contactIds,
		identifiersForgotten: result.identifiersForgotten,
	};
	if (deleteExecutions) {
		const limit = this.getNodeParameter('executionsToSearch', itemIndex, 5000) as number;
		try {
			// The erased values stay in memory: only counts and execution ids leave this node.
			const sweep = await deleteExecutionsHolding(this, itemIndex, personNeedles(result.erasedValues), { limit });
			json.n8nExecutions = { examined: sweep.examined, deleted: sweep.deleted, stillRunning: sweep.stillRunning };
		} catch (error) {
			throw new NodeOperationError(this.getNode(), `The person was forgotten in the ledger, but deleting their n8n executions failed: ${(error as Error).message}`, {
				itemIndex,
				description: "Their runs are still in n8n's Executions list: delete the runs of your signup and payment workflows from around their signup by hand, or lower EXECUTIONS_DATA_MAX_AGE so n8n prunes them.",
			});
		}
	}
	return [done(json)];
}
