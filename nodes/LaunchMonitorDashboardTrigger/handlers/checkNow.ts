import type { IWebhookResponseData } from 'n8n-workflow';

import { isCrossSite, renderMessagePage, sendPage, type PageResponse } from '../../shared/page';
import type { DashboardTriggerOptions } from '../options';
import { dashboardPathOf, requestPath, type DashboardRequest } from './request';

/**
 * "Check the alerts now" (POST to the dashboard): back to the dashboard at once, then a run of the
 * workflow from this trigger — the same Take Snapshot → Evaluate Alerts steps the schedule runs.
 */
export function startCheck(req: DashboardRequest, res: PageResponse, options: DashboardTriggerOptions): IWebhookResponseData {
	if (isCrossSite(req.headers)) {
		sendPage(res, 403, renderMessagePage('Not from here', ['A check can only be started from the dashboard itself.']));
		return { noWebhookResponse: true };
	}
	res.status(303);
	res.setHeader('location', `${dashboardPathOf(requestPath(req))}?checked=1`);
	res.setHeader('cache-control', 'no-store');
	res.end();
	return { noWebhookResponse: true, workflowData: [[{ json: { launch: options.launch, via: 'dashboard', requestedAt: new Date().toISOString() } }]] };
}
