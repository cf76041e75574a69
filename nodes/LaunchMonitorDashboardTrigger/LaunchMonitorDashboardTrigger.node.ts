import { NodeConnectionTypes, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { ledgerFor, storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { checkThrottledPageAccess, sendPage, sendText, type PageResponse } from '../shared/page';
import { contactsCsvPathFromParameter, metricsPathFromParameter, pathFromParameter, signalsJsonPathFromParameter } from '../shared/webhookPaths';
import { dashboardProperties, NODE_DISPLAY_NAME } from './description';
import { startCheck } from './handlers/checkNow';
import { pageLedger, servePage } from './handlers/pages';
import { dashboardPathOf, pageOf, requestPath, type DashboardRequest } from './handlers/request';
import { dashboardTriggerOptions } from './options';

/**
 * The launch monitor's pages, served by n8n behind a credential the user selects: the dashboard
 * (GET), its numbers as JSON, Prometheus metrics, and a streamed contacts CSV. A page view answers
 * from the ledger without starting a workflow run; "Check the alerts now" (POST to the dashboard)
 * starts one from this trigger, so the alerts are judged and announced by the same steps as the
 * schedule's.
 */
export class LaunchMonitorDashboardTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: NODE_DISPLAY_NAME,
		name: 'launchMonitorDashboardTrigger',
		icon: { light: 'file:dashboard.svg', dark: 'file:dashboard.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: 'Serves the launch dashboard, signals.json, Prometheus metrics and a contacts CSV behind a password; "check now" starts the workflow',
		defaults: { name: NODE_DISPLAY_NAME },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Who may open the pages (nodes/shared/page/access.ts); one is required, there is no "open".
			// n8n's own Basic Auth and Header Auth credentials, on purpose: the launch team keeps one
			// password for the kill-switch page (Kill Switch Page Trigger) and this dashboard, and Prometheus
			// or Grafana send the same basic auth or header. This pack is for self-hosted n8n only.
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'httpBasicAuth', required: true, displayOptions: { show: { authentication: ['basicAuth'] } } },
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'httpHeaderAuth', required: true, displayOptions: { show: { authentication: ['headerAuth'] } } },
			// Shown unless Storage is "Default" (nodes/shared/ledgerAccess.ts).
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } },
		],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			// n8n knows two webhook names; the other pages are more GETs told apart by their path.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...signalsJsonPathFromParameter(), isFullPath: true },
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...metricsPathFromParameter(), isFullPath: true },
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...contactsCsvPathFromParameter(), isFullPath: true },
		],
		properties: [...storageProperties(), ...dashboardProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	/** Nobody without the credential gets further; then "check now" (POST) or a page (GET). */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject() as unknown as PageResponse;
		const req = this.getRequestObject() as unknown as DashboardRequest;
		const options = dashboardTriggerOptions(this);
		// Wrong passwords are counted and slowed per address (429 + Retry-After), for every page of the dashboard together.
		const access = await checkThrottledPageAccess(this, {
			realm: 'Launch monitor',
			nodeName: this.getNode().name,
			launch: options.launch,
			page: dashboardPathOf(requestPath(req)),
			ledger: () => ledgerFor(this),
		});
		if (!access.ok) {
			if (pageOf(requestPath(req)) === 'dashboard') sendPage(res, access.status, access.page, access.headers);
			else sendText(res, access.status, 'text/plain; charset=utf-8', `${access.message}\n`, access.headers);
			return { noWebhookResponse: true };
		}
		if ((req.method ?? '').toUpperCase() === 'POST') return startCheck(req, res, options);
		const ledger = await pageLedger(() => ledgerFor(this), res);
		if (ledger) await servePage(ledger, req, res, options);
		return { noWebhookResponse: true };
	}
}
