import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { purchaseWebhookSecretTest } from '../PurchaseWebhookTrigger/secretTest';
import { router } from './actions/router';
import { versionProperties } from './actions/versionDescription';

/**
 * The pre-launch rehearsal: each step goes through the surfaces real traffic uses (the capture URL,
 * the payment webhook, the outbox drain, the kill switch) and the ledger keeps what it showed, with
 * a fix in plain words when it failed; Clean Up removes the test records.
 */
export class LaunchChecklist implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Launch Checklist',
		name: 'launchChecklist',
		icon: { light: 'file:checklist.svg', dark: 'file:checklist.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "runStep" ? "Run " + $parameter["step"] : $parameter["operation"] }}',
		description: 'Rehearses the launch before launch day — UTM capture, a test purchase, the kill switch — and reports each step with what to fix',
		defaults: { name: 'Launch Checklist' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } },
			// The creator's own vendor credentials, n8n's built-in ones the signup workflow already uses (no
			// second copy of the secrets): read the test records back, then clean them up. Self-hosted only.
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'convertKitApi', required: false, displayOptions: { show: { useKit: [true] } } },
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'hubspotAppToken', required: false, displayOptions: { show: { useHubspot: [true] } } },
			// The Purchase Webhook Trigger's signing secret: the test payments are signed with it.
			// A live run's checkout link is made with the creator's own Stripe key (n8n's built-in credential the checkout workflow uses).
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'stripeApi', required: false, displayOptions: { show: { step: ['purchase_flow'] } } },
			{ name: 'stripeWebhookSecretApi', required: false, testedBy: 'purchaseWebhookSecretTest', displayOptions: { show: { step: ['purchase_flow', 'edge_cases'] } } },
		],
		// A new node: version 1 already starts at Storage "Default" (nodes/shared/ledgerAccess.ts).
		properties: [...storageProperties(1), ...versionProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest, purchaseWebhookSecretTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
