import type { ChecklistReport } from '../../../../ledger';
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { done } from '../../../shared/runner';
import { existingRun, type ChecklistOperation } from '../common';
import { renderReportPage } from '../../report';

export const description: INodeProperties[] = [
	{
		displayName: 'Include HTML Page',
		name: 'includeHtml',
		type: 'boolean',
		default: false,
		description: 'Whether to add the report as an HTML page in the "html" field (and its headers in "htmlHeaders"), e.g. for a Respond to Webhook or Form ending node',
		displayOptions: { show: { operation: ['getReport'] } },
	},
];

/** The report as JSON: the run, every step in order with its evidence and fix, the test records. */
export function reportJson(report: ChecklistReport): IDataObject {
	return {
		runId: report.run.id,
		launch: report.run.launch,
		testLaunch: report.run.testLaunch,
		mode: report.run.mode,
		runStatus: report.run.status,
		ready: report.ready,
		counts: report.counts,
		message: report.ready
			? 'Every step the checklist can run passed (or was skipped with a reason). Check the steps marked "by hand" yourself.'
			: `Not ready: ${report.counts.failed} failed, ${report.counts.waiting} waiting, ${report.steps.filter((s) => s.built && s.status === 'not_run').length} not run yet.`,
		steps: report.steps.map((s) => ({ step: s.step, number: s.number, title: s.title, status: s.status, built: s.built, reason: s.reason, fix: s.fix, attempts: s.attempts, finishedAt: s.finishedAt === null ? null : new Date(s.finishedAt).toISOString(), evidence: s.evidence as IDataObject })),
		records: report.records.map((r) => ({ system: r.system, kind: r.kind, recordId: r.recordId, label: r.label, removal: r.removal, note: r.note })),
		startedAt: new Date(report.run.createdAt).toISOString(),
	};
}

/** The run named by Run ID (or the launch's newest run) as one item; with Include HTML Page, its page too. */
export const execute: ChecklistOperation = async function (ledger, itemIndex) {
	const run = await existingRun(this, ledger, itemIndex);
	const report = await ledger.checklist.report(run.id);
	const json = reportJson(report);
	if (this.getNodeParameter('includeHtml', itemIndex, false) === true) {
		const page = renderReportPage(report);
		json.html = page.html;
		// The page's Content-Security-Policy carries the nonce of its one <style>: a Respond to Webhook node sends both.
		json.htmlHeaders = page.headers;
	}
	return [done(json)];
};
