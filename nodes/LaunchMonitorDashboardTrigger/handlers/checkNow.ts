import type { IWebhookResponseData } from 'n8n-workflow';

import { renderMessagePage, sendPage, type PageResponse } from '../../shared/page';
import type { DashboardTriggerOptions } from '../options';
import { dashboardPathOf, header, requestPath, type DashboardRequest } from './request';

/** A "check now" posted from another site is refused (the browser would send the saved password along). */
function crossSite(req: DashboardRequest): boolean {
	const fetchSite = header(req, 'sec-fetch-site');
	if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
	const origin = header(req, 'origin');
	if (origin === 'null') return true;
	const host = header(req, 'x-forwarded-host') ?? header(req, 'host');
	if (!origin || !host) return false;
	try {
		return new URL(origin).host !== host;
	} catch {
		return true;
	}
}

/**
 * "Check the alerts now" (POST to the dashboard): back to the dashboard at once, then a run of the
 * workflow from this trigger — the same Take Snapshot → Evaluate Alerts steps the schedule runs.
 */
export function startCheck(req: DashboardRequest, res: PageResponse, options: DashboardTriggerOptions): IWebhookResponseData {
	if (crossSite(req)) {
		sendPage(res, 403, renderMessagePage('Not from here', ['A check can only be started from the dashboard itself.']));
		return { noWebhookResponse: true };
	}
	res.status(303);
	res.setHeader('location', `${dashboardPathOf(requestPath(req))}?checked=1`);
	res.setHeader('cache-control', 'no-store');
	res.end();
	return { noWebhookResponse: true, workflowData: [[{ json: { launch: options.launch, via: 'dashboard', requestedAt: new Date().toISOString() } }]] };
}
