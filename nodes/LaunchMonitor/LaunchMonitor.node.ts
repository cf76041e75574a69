import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

/**
 * n8n evaluates this for each node to draw its outputs: Evaluate Alerts has four (what fired,
 * resolved, needs a reminder, and the daily digest), every other operation one "Done" output.
 */
const OUTPUT_NAMES = ['Fired', 'Resolved', 'Reminder', 'Digest'];
const OUTPUTS_EXPRESSION: `={{${string}}}` = `={{ $parameter.operation === "evaluate" ? ${JSON.stringify(
	OUTPUT_NAMES.map((displayName) => ({ type: 'main', displayName })),
)} : [{ "type": "main", "displayName": "Done" }] }}`;

/** The launch's signals, kept snapshots and alert rules: announce what changed, once. */
export class LaunchMonitor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Launch Monitor',
		name: 'launchMonitor',
		icon: { light: 'file:monitor.svg', dark: 'file:monitor.dark.svg' },
		group: ['transform'],
		// 1.1: Storage defaults to "Default" (nodes/shared/ledgerAccess.ts); 1 keeps "auto" for saved workflows.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Watches signups, UTM fidelity, purchase matching and delivery health, keeps snapshots, and announces alerts once per change',
		defaults: { name: 'Launch Monitor' },
		inputs: [NodeConnectionTypes.Main],
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
