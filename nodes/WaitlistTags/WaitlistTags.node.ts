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

export class WaitlistTags implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Waitlist Tags',
		name: 'waitlistTags',
		icon: { light: 'file:tags.svg', dark: 'file:tags.dark.svg' },
		group: ['transform'],
		// 1.1: Storage defaults to "Default" (nodes/shared/ledgerAccess.ts); 1 keeps "auto" for saved workflows.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ $parameter["resource"] + ": " + $parameter["operation"] }}',
		description: 'Tag waitlist contacts with clean, registered tags, and manage the tag registry',
		defaults: { name: 'Waitlist Tags' },
		inputs: [NodeConnectionTypes.Main],
		// Review: unknown tags kept for a person to look at (launch policy "quarantine").
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Done', 'Review'],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } }],
		properties: [...storageProperties(1.1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
