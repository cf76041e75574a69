import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

/**
 * The review desk as a node, for creators who settle review items in their own flow (Slack
 * buttons, a Google Sheet): list and read items with their context, resolve one with an action, or
 * dismiss it. Every action is one `ledger.review` call; the ledger records who and why.
 */
export class WaitlistReview implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Waitlist Review',
		name: 'waitlistReview',
		icon: { light: 'file:review.svg', dark: 'file:review.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description: 'List, read and settle the review items the ledger would not decide alone: unknown buyers, possible duplicates, access conflicts',
		defaults: { name: 'Waitlist Review' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } }],
		// A new node: version 1 already starts at Storage "Default" (nodes/shared/ledgerAccess.ts).
		properties: [...storageProperties(1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
