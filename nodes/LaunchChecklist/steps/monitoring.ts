import type { AlertItem, ChecklistRun, Ledger } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { alertText } from '../../LaunchMonitor/actions/monitor/messages';
import { send, type HttpAnswer } from './http';
import type { StepOutcome } from './outcome';

export interface MonitoringInput {
	run: ChecklistRun;
	/** The incoming-webhook URL the Launch Monitor workflow posts its alerts to (Slack in the template). */
	alertWebhookUrl: string;
}

/** Said first in every test alert, so whoever watches the channel knows to do nothing. */
const TEST_MARK = '[Pre-launch checklist test: nothing is wrong, no action needed]';

/** What the channel's answer means for launch day, and what to do. */
function channelFix(answer: HttpAnswer, url: string): string {
	if (answer.status === null) {
		return `The alert webhook ${url} could not be reached (${answer.error ?? 'no answer'}): launch-day alerts would go nowhere. Check the address — it is the URL in the Slack step of your Launch Monitor workflow — then run this step again.`;
	}
	const said = typeof answer.body === 'string' && answer.body.length < 200 ? ` "${answer.body}"` : '';
	if ([403, 404, 410].includes(answer.status)) {
		return `The alert channel refused the test alert (${answer.status}${said}): the webhook was removed, muted or its channel archived, so launch-day alerts would go nowhere. In Slack → Apps → Incoming Webhooks, add a webhook to a channel people watch, put its URL in the Slack step of your Launch Monitor workflow and here, then run this step again.`;
	}
	return `The alert channel answered ${answer.status}${said} to the test alert: check the webhook URL in the Slack step of your Launch Monitor workflow, then run this step again.`;
}

/**
 * Step 5: the monitor judges a simulated launch on the run's test launch (a window without signups,
 * purchases nobody could match) under the real launch's alert settings; each alert that fires is
 * posted to the channel the monitor template posts to, as its Slack step does ({ text }). Passed
 * only when both alerts fired and the channel took both.
 */
export async function monitoring(ctx: IExecuteFunctions, ledger: Ledger, input: MonitoringInput): Promise<StepOutcome> {
	const drill = await ledger.checklist.monitoringDrill(input.run.id);
	const fixes = drill.problems.map((p) => p.fix);
	const posted: IDataObject[] = [];
	for (const item of drill.fired) {
		const answer = await post(ctx, input.alertWebhookUrl, item);
		posted.push({ rule: item.rule, status: answer.status, answer: typeof answer.body === 'string' ? answer.body : (answer.body as IDataObject), error: answer.error });
		if (answer.status === null || answer.status < 200 || answer.status >= 300) {
			fixes.push(channelFix(answer, input.alertWebhookUrl));
			break; // one refusal says it all; no need to knock twice
		}
	}
	const evidence: IDataObject = { ...(drill.evidence as IDataObject), channel: { url: input.alertWebhookUrl, posted } };
	if (fixes.length > 0) return { status: 'failed', reason: `${fixes.length} problem(s) between the monitor and its channel.`, fix: fixes.join('\n'), evidence };
	return { status: 'passed', reason: `A simulated drop in signups and unmatched purchases each raised their alert (${drill.fired.map((f) => f.title).join('; ')}), and the alert channel took both.`, fix: null, evidence };
}

function post(ctx: IExecuteFunctions, url: string, item: AlertItem): Promise<HttpAnswer> {
	return send(ctx, { method: 'POST', url, body: { text: `${TEST_MARK}\n${alertText(item, '')}` }, timeoutMs: 10_000 });
}
