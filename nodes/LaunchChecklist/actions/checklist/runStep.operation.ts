import { LedgerInputError, type ChecklistRun, type Ledger, type StepResult } from '../../../../ledger';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { numberParameter, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { vendorCredentials, runFor, testEmailOf, urlParameter, waitMsOf, type ChecklistOperation } from '../common';
import type { StepOutcome } from '../../steps/outcome';
import { edgeCases } from '../../steps/edgeCases';
import { livePurchase } from '../../steps/livePurchase';
import { monitoring } from '../../steps/monitoring';
import { purchaseFlow } from '../../steps/purchaseFlow';
import { rollbackDrill } from '../../steps/rollbackDrill';
import { parseSources } from '../../steps/sources';
import { tagVocabulary } from '../../steps/tagVocabulary';
import { utmCapture } from '../../steps/utmCapture';
import { stepProperties } from './stepProperties';

export const description: INodeProperties[] = stepProperties;

/** A step's result as the node's output item: flat, so a Slack message or the report can pick fields. */
export function stepJson(run: ChecklistRun, result: StepResult): IDataObject {
	return {
		runId: run.id,
		launch: run.launch,
		testLaunch: run.testLaunch,
		mode: run.mode,
		step: result.step,
		number: result.number,
		title: result.title,
		status: result.status,
		reason: result.reason,
		fix: result.fix,
		attempts: result.attempts,
		evidence: result.evidence as IDataObject,
	};
}

async function credentialText(ctx: IExecuteFunctions, type: string, key: string, itemIndex: number): Promise<string | null> {
	try {
		const value = (await ctx.getCredentials(type, itemIndex))[key];
		return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
	} catch {
		return null;
	}
}

const stripeSecret = (ctx: IExecuteFunctions, itemIndex: number) => credentialText(ctx, 'stripeWebhookSecretApi', 'signingSecret', itemIndex);

/** The test payments' parameters (steps 3 and 4). */
async function paymentInput(ctx: IExecuteFunctions, itemIndex: number) {
	const amount = numberParameter(ctx, 'amount', itemIndex, 100);
	if (!Number.isInteger(amount) || amount < 1) throw new LedgerInputError('amount', `must be a whole number of cents, e.g. 4900 for 49.00; got ${amount}`);
	return {
		testEmail: testEmailOf(ctx, itemIndex),
		webhookUrl: urlParameter(ctx, 'webhookUrl', itemIndex, 'the Production URL of the Purchase Webhook Trigger, e.g. https://n8n.example.com/webhook/stripe-purchases'),
		signingSecret: await stripeSecret(ctx, itemIndex),
		productId: textParameter(ctx, 'productId', itemIndex) || 'course',
		amount,
		currency: textParameter(ctx, 'currency', itemIndex) || 'USD',
		waitMs: waitMsOf(ctx, itemIndex),
	};
}

/** A live run's purchase: the small amount, where Stripe sends the buyer, the creator's Stripe key. */
async function liveInput(ctx: IExecuteFunctions, itemIndex: number): Promise<{ amount: number; successUrl: string; stripeKey: string | null }> {
	const amount = numberParameter(ctx, 'liveAmount', itemIndex, 100);
	if (!Number.isInteger(amount) || amount < 50) throw new LedgerInputError('liveAmount', `must be a whole number of cents, at least 50 (Stripe's smallest charge), e.g. 100 for 1.00; got ${amount}`);
	const successUrl = urlParameter(ctx, 'successUrl', itemIndex, 'the page Stripe shows after paying, e.g. https://yourdomain.com/thank-you');
	return { amount, successUrl, stripeKey: await credentialText(ctx, 'stripeApi', 'secretKey', itemIndex) };
}

/** A step with its parameters read and checked, waiting for its run. */
type PreparedStep = (run: ChecklistRun) => Promise<StepOutcome>;

/**
 * Reads and checks the step's parameters before any run is started, so a parameter to fix never
 * leaves an empty run behind.
 */
async function prepare(ctx: IExecuteFunctions, ledger: Ledger, itemIndex: number, step: string): Promise<PreparedStep> {
	if (step === 'utm_capture') {
		const input = {
			sources: parseSources(textParameter(ctx, 'sources', itemIndex)),
			testEmail: testEmailOf(ctx, itemIndex),
			captureUrl: urlParameter(ctx, 'captureUrl', itemIndex, 'the Production URL of the Waitlist Capture Trigger, e.g. https://n8n.example.com/webhook/waitlist-signup'),
			...(await vendorCredentials(ctx, itemIndex)),
			waitMs: waitMsOf(ctx, itemIndex),
		};
		return (run) => utmCapture(ctx, ledger, { run, ...input });
	}
	if (step === 'edge_cases') {
		const input = { ...(await vendorCredentials(ctx, itemIndex)), ...(await paymentInput(ctx, itemIndex)) };
		return (run) => edgeCases(ctx, ledger, { run, ...input });
	}
	if (step === 'purchase_flow') {
		const input = { ...(await vendorCredentials(ctx, itemIndex)), ...(await paymentInput(ctx, itemIndex)) };
		const live = await liveInput(ctx, itemIndex);
		return async (run) => (run.mode === 'live' ? livePurchase(ctx, ledger, { run, ...input, ...live }) : purchaseFlow(ctx, ledger, { run, ...input }));
	}
	if (step === 'tag_vocabulary') {
		const input = { testEmail: testEmailOf(ctx, itemIndex), kitSecret: (await vendorCredentials(ctx, itemIndex)).kitSecret };
		return (run) => tagVocabulary(ctx, ledger, { run, ...input });
	}
	if (step === 'monitoring') {
		const alertWebhookUrl = urlParameter(ctx, 'alertWebhookUrl', itemIndex, 'the webhook URL in the Slack step of your Launch Monitor workflow, e.g. https://hooks.slack.com/services/T000/B000/XXXX');
		return (run) => monitoring(ctx, ledger, { run, alertWebhookUrl });
	}
	if (step === 'rollback_drill') {
		const url = textParameter(ctx, 'killSwitchUrl', itemIndex) === '' ? null : urlParameter(ctx, 'killSwitchUrl', itemIndex, 'the Production URL of the Kill Switch Page Trigger');
		return (run) => rollbackDrill(ctx, ledger, run, url);
	}
	throw new LedgerInputError('step', `"${step}" cannot be run by the checklist yet; choose UTM Capture, Tag Vocabulary, Purchase (Dry Run), Edge Cases, Monitoring or Rollback Drill`);
}

/** Runs one step of a run (a new run when Run ID is empty) and keeps its result with the evidence. */
export const execute: ChecklistOperation = async function (ledger, itemIndex) {
	const step = textParameter(this, 'step', itemIndex);
	const skip = textParameter(this, 'skipReason', itemIndex);
	// A skipped step needs none of its parameters; a step that runs has them checked before its run starts.
	const runStep = skip === '' ? await prepare(this, ledger, itemIndex, step) : null;
	const run = await runFor(this, ledger, itemIndex);
	const startedAt = Date.now();
	const outcome: StepOutcome = runStep ? await runStep(run) : { status: 'skipped', reason: skip, fix: null, evidence: {} };
	const result = await ledger.checklist.recordStep({ runId: run.id, step, ...outcome, startedAt });
	return [done(stepJson(run, result))];
};
