import type { Ledger } from '../../../ledger';
import { isLedgerUnavailable, LedgerInputError } from '../../../ledger';
import { answerLedgerDown } from '../../shared/ledgerDown';
import { renderMessagePage, sendPage, sendText, streamText, type PageResponse } from '../../shared/page';
import { loadDashboardData } from '../dashboardData';
import { renderDashboard } from '../dashboardPage';
import type { DashboardTriggerOptions } from '../options';
import { signalsJson } from '../signalsJson';
import { dashboardPathOf, pageOf, requestPath, type DashboardRequest } from './request';

const DASHBOARD_DOWN = "The ledger's database cannot be reached right now; this page works again as soon as it is back.";

/**
 * The GET pages, answered from the ledger without a workflow run: the dashboard, signals.json,
 * Prometheus metrics and the contacts CSV (streamed chunk by chunk from the ledger's iterator).
 */

async function streamCsv(ledger: Ledger, res: PageResponse, options: DashboardTriggerOptions): Promise<void> {
	const day = new Date().toISOString().slice(0, 10);
	const filename = `contacts-${options.launch.replace(/[^A-Za-z0-9._-]/g, '_')}-${day}.csv`;
	const chunks = ledger.monitor.exportContactsCsv({ launch: options.launch, fields: options.exportFields, includeTest: options.includeTest });
	await streamText(res, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` }, chunks);
}

async function answer(ledger: Ledger, req: DashboardRequest, res: PageResponse, options: DashboardTriggerOptions): Promise<void> {
	const path = requestPath(req);
	const page = pageOf(path);
	const now = Date.now();
	if (page === 'csv') return streamCsv(ledger, res, options);
	if (page === 'metrics') return sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await ledger.monitor.prometheus({ launch: options.launch, now }));
	const data = await loadDashboardData(ledger, options.launch, now);
	if (page === 'signals') return sendText(res, 200, 'application/json; charset=utf-8', JSON.stringify(signalsJson(data)));
	const page200 = renderDashboard(data, {
		title: options.title,
		basePath: dashboardPathOf(path),
		refreshSeconds: options.refreshSeconds,
		killSwitchUrl: options.killSwitchUrl,
		checklistReportUrl: options.checklistReportUrl,
		checkStarted: (req.query ?? {}).checked === '1',
	});
	sendPage(res, 200, page200);
}

/** Answers a GET; a failure becomes a 500 naming what went wrong (to someone who presented the credential). */
export async function servePage(ledger: Ledger, req: DashboardRequest, res: PageResponse, options: DashboardTriggerOptions): Promise<void> {
	try {
		await answer(ledger, req, res, options);
	} catch (error) {
		if (isLedgerUnavailable(error) && !(res as { headersSent?: boolean }).headersSent) {
			return answerLedgerDown(res, pageOf(requestPath(req)) === 'dashboard' ? 'html' : 'text', DASHBOARD_DOWN);
		}
		const message = error instanceof LedgerInputError ? `${error.field}: ${error.reason}` : (error as Error).message;
		// After a CSV has started, the status line is gone: the download ends short instead.
		if ((res as { headersSent?: boolean }).headersSent) return;
		if (pageOf(requestPath(req)) === 'dashboard') sendPage(res, 500, renderMessagePage('The dashboard could not be built', [message]));
		else sendText(res, 500, 'text/plain; charset=utf-8', `${message}\n`);
	}
}

/** The ledger for a page; when it cannot be opened, a 503 saying what to check. */
export async function pageLedger(open: () => Promise<Ledger>, res: PageResponse): Promise<Ledger | null> {
	try {
		return await open();
	} catch (error) {
		if (isLedgerUnavailable(error)) {
			answerLedgerDown(res, 'html', DASHBOARD_DOWN);
			return null;
		}
		sendPage(res, 503, renderMessagePage('The ledger could not be opened', [(error as Error).message, 'Check the Waitlist Ledger credential on this node and that its database is reachable.']));
		return null;
	}
}
