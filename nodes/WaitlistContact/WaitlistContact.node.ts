import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

export class WaitlistContact implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Waitlist Contact',
		name: 'waitlistContact',
		icon: { light: 'file:contact.svg', dark: 'file:contact.dark.svg' },
		group: ['transform'],
		// 1.1: Storage defaults to "Default" (nodes/shared/ledgerAccess.ts); 1 keeps "auto" for saved workflows.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ $parameter["operation"] + " · " + $parameter["launch"] }}',
		description: 'Add, find, link, merge and forget waitlist contacts in the ledger, without duplicates',
		defaults: { name: 'Waitlist Contact' },
		inputs: [NodeConnectionTypes.Main],
		// Review: links and tags the ledger would not decide alone, for a person to look at.
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Done', 'Review'],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } },
			// n8n's own "n8n API" credential (as n8n's n8n node uses it): Forget may delete the person's executions.
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'n8nApi', required: true, displayOptions: { show: { resource: ['contact'], operation: ['forget'], deleteN8nExecutions: [true] } } },
		],
		properties: [...storageProperties(1.1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
