import { LedgerInputError, type ChecklistRun, type Ledger } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { launchOf, textParameter } from '../../shared/parameters';
import type { FieldLabels, ItemOperation } from '../../shared/runner';

export type ChecklistOperation = ItemOperation<'done'>;

/** Ledger field names → the parameter the user sees. */
export const FIELD_LABELS: FieldLabels = {
	launch: 'Launch',
	runId: 'Run ID',
	mode: 'Mode',
	step: 'Step',
	sources: 'Campaign Sources',
	testEmail: 'Test Email Address',
	captureUrl: 'Capture URL',
	webhookUrl: 'Purchase Webhook URL',
	killSwitchUrl: 'Kill Switch Page URL',
	alertWebhookUrl: 'Alert Webhook URL',
	productId: 'Product ID',
	amount: 'Amount (Cents)',
	currency: 'Currency',
	waitSeconds: 'Wait Up To (Seconds)',
	reason: 'Skip Reason',
	useKit: 'Use Kit',
	useHubspot: 'Use HubSpot',
};

/** The run named by Run ID, or — when it is empty — a new run of the launch in the chosen mode. */
export async function runFor(ctx: IExecuteFunctions, ledger: Ledger, itemIndex: number, settings: IDataObject = {}): Promise<ChecklistRun> {
	const runId = textParameter(ctx, 'runId', itemIndex);
	const launch = launchOf(ctx, itemIndex);
	if (runId !== '') {
		const run = await ledger.checklist.get(runId);
		if (!run) throw new LedgerInputError('runId', `no checklist run has id "${runId}"; leave Run ID empty to start a new run, or use the runId of an earlier Launch Checklist item`);
		if (run.launch !== launch) throw new LedgerInputError('runId', `run "${runId}" belongs to launch "${run.launch}", not "${launch}"; use the same Launch as the run`);
		return run;
	}
	return ledger.checklist.start({ launch, mode: textParameter(ctx, 'mode', itemIndex) || 'dry', settings, source: `n8n:${ctx.getNode().name}` });
}

/** An existing run (Get Report, Clean Up): Run ID, or the newest run of the launch when it is empty. */
export async function existingRun(ctx: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<ChecklistRun> {
	const runId = textParameter(ctx, 'runId', itemIndex);
	const launch = launchOf(ctx, itemIndex);
	const run = runId === '' ? await ledger.checklist.latest(launch) : await ledger.checklist.get(runId);
	if (!run) {
		throw new LedgerInputError('runId', runId === '' ? `launch "${launch}" has no checklist run yet; run a step first` : `no checklist run has id "${runId}"; use the runId of an earlier Launch Checklist item`);
	}
	return run;
}

/** A URL parameter: required, http(s), with an example of where to find it. */
export function urlParameter(ctx: IExecuteFunctions, name: string, itemIndex: number, where: string): string {
	const value = textParameter(ctx, name, itemIndex);
	if (value === '') throw new LedgerInputError(name, `is required: ${where}`);
	// URL.canParse instead of a try/catch: the error is thrown as an input error naming the parameter.
	if (!URL.canParse(value)) throw new LedgerInputError(name, `"${value}" is not a web address; ${where}`);
	const url = new URL(value);
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LedgerInputError(name, `must start with https:// (or http://); ${where}`);
	return url.toString();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Asks `check` until it returns a value or the time is up (then null). Steps wait for work that
 * other workflows do (the signup run, the outbox drain), which take seconds to a minute.
 */
export async function waitFor<T>(check: () => Promise<T | null>, waitMs: number, everyMs = 1000): Promise<T | null> {
	const until = Date.now() + waitMs;
	for (;;) {
		const found = await check();
		if (found !== null) return found;
		if (Date.now() >= until) return null;
		await sleep(Math.min(everyMs, Math.max(0, until - Date.now())));
	}
}

/** The Wait Up To parameter in ms (0–15 minutes). */
export function waitMsOf(ctx: IExecuteFunctions, itemIndex: number): number {
	const seconds = Number(ctx.getNodeParameter('waitSeconds', itemIndex, 90));
	if (!Number.isFinite(seconds) || seconds < 0 || seconds > 900) throw new LedgerInputError('waitSeconds', `must be from 0 to 900 seconds; got ${String(seconds)}`);
	return seconds * 1000;
}

/** A plus-address of the creator's test inbox, unique to the run and the purpose ("ada+ck_x-instagram@yourdomain.com"). */
export function testAddress(base: string, run: ChecklistRun, purpose: string): string {
	const at = base.lastIndexOf('@');
	const local = base.slice(0, at).split('+')[0];
	const tag = `${run.id}-${purpose}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 60);
	return `${local}+${tag}${base.slice(at)}`;
}

export function testEmailOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = textParameter(ctx, 'testEmail', itemIndex);
	if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
		throw new LedgerInputError('testEmail', `must be an email address whose inbox you own, e.g. ada@yourdomain.com (the checklist signs up ada+<run>-<source>@yourdomain.com); got "${value}"`);
	}
	return value;
}

/** The Kit and HubSpot secrets, when Use Kit / Use HubSpot is on; a missing credential is an input error then. */
export async function vendorCredentials(ctx: IExecuteFunctions, itemIndex: number): Promise<{ kitSecret: string | null; hubspotToken: string | null }> {
	const useKit = ctx.getNodeParameter('useKit', itemIndex, false) === true;
	const useHubspot = ctx.getNodeParameter('useHubspot', itemIndex, false) === true;
	const kitSecret = useKit ? await vendorSecret(ctx, 'convertKitApi', 'apiSecret', itemIndex) : null;
	if (useKit && !kitSecret) throw new LedgerInputError('useKit', 'is on but no "ConvertKit API" credential is selected: select the one your signup workflow uses, or turn Use Kit off');
	const hubspotToken = useHubspot ? await vendorSecret(ctx, 'hubspotAppToken', 'appToken', itemIndex) : null;
	if (useHubspot && !hubspotToken) throw new LedgerInputError('useHubspot', 'is on but no "HubSpot Service Key" credential is selected: select the one your signup workflow uses, or turn Use HubSpot off');
	return { kitSecret, hubspotToken };
}

async function vendorSecret(ctx: IExecuteFunctions, type: string, key: string, itemIndex: number): Promise<string | null> {
	try {
		const value = (await ctx.getCredentials(type, itemIndex))[key];
		return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
	} catch {
		return null;
	}
}
