import type { ChecklistRun, Ledger } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { send } from './http';
import type { StepOutcome } from './outcome';

/** What the kill switch page answered a visitor without the password, and whether that is safe. */
async function pageCheck(ctx: IExecuteFunctions, url: string): Promise<{ evidence: IDataObject; fix: string | null }> {
	const answer = await send(ctx, { method: 'GET', url, headers: { accept: 'text/html' } });
	const evidence: IDataObject = { url, statusWithoutPassword: answer.status, error: answer.error };
	if (answer.status === 401) return { evidence, fix: null };
	if (answer.status === 403) {
		return { evidence, fix: 'The kill switch page has no password: select a Basic Auth credential (a user name and a long password) on the Kill Switch Page Trigger, publish again, and run this step again.' };
	}
	if (answer.status !== null && answer.status >= 200 && answer.status < 300) {
		return { evidence, fix: `The kill switch page opened for a visitor without a password (${answer.status}): anyone with the link could pause your launch. Select a Basic Auth credential on the Kill Switch Page Trigger and publish again.` };
	}
	if (answer.status === 404) return { evidence, fix: `Nothing answers at the Kill Switch Page URL ${url}: publish the kill switch workflow and copy its Production URL into Kill Switch Page URL.` };
	return { evidence, fix: `The kill switch page ${answer.status === null ? `could not be reached (${answer.error ?? 'no answer'})` : `answered ${answer.status}`}: check the address and that n8n is running.` };
}

/**
 * Step 6: the drill in the ledger on the run's test launch (the real launch's switch is never
 * touched), and — when its URL is given — that the kill switch page refuses a visitor without the
 * password, since on launch day that page is the one way to stop access going out.
 */
export async function rollbackDrill(ctx: IExecuteFunctions, ledger: Ledger, run: ChecklistRun, killSwitchUrl: string | null): Promise<StepOutcome> {
	const drill = await ledger.checklist.rollbackDrill(run.id);
	const page = killSwitchUrl ? await pageCheck(ctx, killSwitchUrl) : null;
	const evidence: IDataObject = { drill: drill.evidence as IDataObject, killSwitchPage: page?.evidence ?? 'not checked (no Kill Switch Page URL given)' };
	const fixes = [drill.fix, page?.fix ?? null].filter((f): f is string => f !== null);
	if (fixes.length > 0) return { status: 'failed', reason: drill.passed ? 'The drill passed, but the kill switch page is not safe.' : drill.summary, fix: fixes.join('\n'), evidence };
	return { status: 'passed', reason: `${drill.summary}${page ? ' The kill switch page asks for a password.' : ''}`, fix: null, evidence };
}
