import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

/** The durable hand-off to vendors: enqueue, claim in batches, ack / fail, dead letter, kill switch. */
export class AccessOutbox implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Access Outbox',
		name: 'accessOutbox',
		icon: { light: 'file:outbox.svg', dark: 'file:outbox.dark.svg' },
		group: ['transform'],
		// 1.1: Storage defaults to "Default" (nodes/shared/ledgerAccess.ts); 1 keeps "auto" for saved workflows.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Hands access grants, revokes and ESP/CRM syncs to vendors exactly once: retries, dead letter, kill switch',
		defaults: { name: 'Access Outbox' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } }],
		properties: [...storageProperties(1.1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
