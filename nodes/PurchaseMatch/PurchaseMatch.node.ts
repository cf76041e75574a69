import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { OUTPUTS_EXPRESSION } from './actions/common';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

/**
 * Checkout token before checkout; a payment matched to a contact; access decided by the ledger's
 * state machine and handed to the Access Outbox in the same transaction. The node maps parameters
 * to `ledger.purchases` calls and routes each decision to its output.
 */
export class PurchaseMatch implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Purchase Match',
		name: 'purchaseMatch',
		icon: { light: 'file:purchaseMatch.svg', dark: 'file:purchaseMatch.dark.svg' },
		group: ['transform'],
		// 1.1: Storage defaults to "Default" (nodes/shared/ledgerAccess.ts); 1 keeps "auto" for saved workflows.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ $parameter["operation"] + " · " + $parameter["launch"] }}',
		description: 'Match payments to waitlist contacts and decide course access: grant, revoke, no change or review',
		defaults: { name: 'Purchase Match' },
		inputs: [NodeConnectionTypes.Main],
		// Decisions leave on their own outputs (Grant, Revoke, No Change, Review), so a grant can never
		// be mistaken for a revoke; the other operations have one "Done" output.
		outputs: OUTPUTS_EXPRESSION,
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } }],
		properties: [...storageProperties(1.1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
