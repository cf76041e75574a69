import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

/**
 * The node's inputs follow the operation: one for Find Due Work (a Schedule Trigger), four named
 * ones for Compare With Vendors, so each vendor list is wired into the slot that says what it is.
 * Kept self-contained: n8n evaluates its source text as an expression.
 */
function configuredInputs(parameters: { operation?: string }) {
	if (parameters.operation === 'findDueWork') return [{ type: 'main', displayName: 'Run' }];
	return [
		{ type: 'main', displayName: 'Email Platform (ESP)' },
		{ type: 'main', displayName: 'CRM' },
		{ type: 'main', displayName: 'Checkout Orders' },
		{ type: 'main', displayName: 'Delivery Enrollments' },
	];
}

/** Scheduled reconciliation: due retries and expired claims, and vendor lists compared with the ledger. */
export class ReconcileSweep implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Reconcile Sweep',
		name: 'reconcileSweep',
		icon: { light: 'file:sweep.svg', dark: 'file:sweep.dark.svg' },
		group: ['transform'],
		// 1.1: Storage defaults to "Default" (nodes/shared/ledgerAccess.ts); 1 keeps "auto" for saved workflows.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ $parameter["operation"] === "findDueWork" ? "Find Due Work" : "Compare With Vendors" }}',
		description: 'Finds outbox work that is due again and compares vendor lists (ESP, CRM, checkout, delivery) with the ledger, turning every difference into a fix',
		defaults: { name: 'Reconcile Sweep' },
		inputs: `={{(${configuredInputs})($parameter)}}`,
		// Fixes: claimed outbox entries for the vendor steps. Report: one summary item. Review: findings for a person.
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Fixes', 'Report', 'Review'],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } }],
		properties: [...storageProperties(1.1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
