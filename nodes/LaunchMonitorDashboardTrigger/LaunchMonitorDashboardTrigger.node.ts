import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../ledger';
import { ledgerFor, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { checkPageAccess, renderMessagePage, sendPage, sendText, streamText, type PageResponse } from '../shared/page';
import { contactsCsvPathFromParameter, metricsPathFromParameter, pathFromParameter, signalsJsonPathFromParameter } from '../shared/webhookPaths';
import { loadDashboardData } from './dashboardData';
import { renderDashboard } from './dashboardPage';
import { dashboardProperties, NODE_DISPLAY_NAME, type DashboardOptions } from './description';
import { signalsJson } from './signalsJson';

type Page = 'dashboard' | 'signals' | 'metrics' | 'csv';

interface DashboardRequest {
	method?: string;
	path?: string;
	url?: string;
	headers: Record<string, string | string[] | undefined>;
	query?: Record<string, unknown>;
}

function pageOf(requestPath: string): Page {
	if (requestPath.endsWith('/signals.json')) return 'signals';
	if (requestPath.endsWith('/metrics')) return 'metrics';
	if (requestPath.endsWith('/contacts.csv')) return 'csv';
	return 'dashboard';
}

function header(req: DashboardRequest, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/** A "check now" posted from another site is refused (the browser would send the saved password along). */
function crossSite(req: DashboardRequest): boolean {
	const fetchSite = header(req, 'sec-fetch-site');
	if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
	const origin = header(req, 'origin');
	const host = header(req, 'x-forwarded-host') ?? header(req, 'host');
	if (!origin || origin === 'null' || !host) return origin === 'null';
	try {
		return new URL(origin).host !== host;
	} catch {
		return true;
	}
}

function splitFields(text: string | undefined): string[] | undefined {
	if (text === undefined) return undefined;
	return text
		.split(',')
		.map((f) => f.trim())
		.filter((f) => f !== '');
}

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
			// password for the kill-switch form (n8n's Form Trigger) and this dashboard, and Prometheus
			// or Grafana send the same basic auth or header. This pack is for self-hosted n8n only.
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'httpBasicAuth', required: true, displayOptions: { show: { authentication: ['basicAuth'] } } },
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'httpHeaderAuth', required: true, displayOptions: { show: { authentication: ['headerAuth'] } } },
			// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest' },
		],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			// n8n knows two webhook names; the other pages are more GETs told apart by their path.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...signalsJsonPathFromParameter(), isFullPath: true },
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...metricsPathFromParameter(), isFullPath: true },
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...contactsCsvPathFromParameter(), isFullPath: true },
		],
		properties: dashboardProperties,
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject() as unknown as PageResponse;
		const req = this.getRequestObject() as unknown as DashboardRequest;
		const requestPath = (req.path ?? req.url ?? '').split('?')[0]!;
		const page = pageOf(requestPath);
		const isPost = (req.method ?? '').toUpperCase() === 'POST';

		const access = await checkPageAccess(this, { realm: 'Launch monitor', nodeName: this.getNode().name });
		if (!access.ok) {
			if (page === 'dashboard') sendPage(res, access.status, access.page, access.headers);
			else sendText(res, access.status, 'text/plain; charset=utf-8', `${access.message}\n`, access.headers);
			return { noWebhookResponse: true };
		}

		const launch = String(this.getNodeParameter('launch', 'default') ?? '').trim() || 'default';
		const options = this.getNodeParameter('options', {}) as DashboardOptions;
		const dashboardPath = requestPath.replace(/\/(signals\.json|metrics|contacts\.csv)$/, '');

		if (isPost) {
			if (crossSite(req)) {
				sendPage(res, 403, renderMessagePage('Not from here', ['A check can only be started from the dashboard itself.']));
				return { noWebhookResponse: true };
			}
			// Answer first (back to the dashboard), then start the run that judges and announces.
			res.status(303);
			res.setHeader('location', `${dashboardPath}?checked=1`);
			res.setHeader('cache-control', 'no-store');
			res.end();
			const item: IDataObject = { launch, via: 'dashboard', requestedAt: new Date().toISOString() };
			return { noWebhookResponse: true, workflowData: [[{ json: item }]] };
		}

		let ledger: Ledger;
		try {
			ledger = await ledgerFor(this);
		} catch (error) {
			sendPage(res, 503, renderMessagePage('The ledger could not be opened', [(error as Error).message, 'Check the Waitlist Ledger credential on this node and that its database is reachable.']));
			return { noWebhookResponse: true };
		}

		try {
			if (page === 'csv') {
				const day = new Date().toISOString().slice(0, 10);
				const chunks = ledger.monitor.exportContactsCsv({ launch, fields: splitFields(options.exportFields), includeTest: options.includeTest === true });
				await streamText(
					res,
					200,
					{ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="contacts-${launch.replace(/[^A-Za-z0-9._-]/g, '_')}-${day}.csv"` },
					chunks,
				);
				return { noWebhookResponse: true };
			}
			const now = Date.now();
			if (page === 'metrics') {
				sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await ledger.monitor.prometheus({ launch, now }));
				return { noWebhookResponse: true };
			}
			const data = await loadDashboardData(ledger, launch, now);
			if (page === 'signals') {
				sendText(res, 200, 'application/json; charset=utf-8', JSON.stringify(signalsJson(data)));
				return { noWebhookResponse: true };
			}
			const query = req.query ?? {};
			const refresh = Number(options.refreshSeconds ?? 60);
			sendPage(
				res,
				200,
				renderDashboard(data, {
					title: (options.title ?? '').trim() || 'Launch monitor',
					basePath: dashboardPath,
					refreshSeconds: Number.isFinite(refresh) ? Math.min(3600, Math.max(10, refresh)) : 60,
					killSwitchUrl: (options.killSwitchUrl ?? '').trim() || '/form/waitlist-kill-switch',
					checkStarted: query.checked === '1',
				}),
			);
		} catch (error) {
			const message = error instanceof LedgerInputError ? `${error.field}: ${error.reason}` : (error as Error).message;
			// After a CSV has started, the status line is gone: the download ends short instead.
			if (!(res as { headersSent?: boolean }).headersSent) {
				if (page === 'dashboard') sendPage(res, 500, renderMessagePage('The dashboard could not be built', [message]));
				else sendText(res, 500, 'text/plain; charset=utf-8', `${message}\n`);
			}
		}
		return { noWebhookResponse: true };
	}
}
