import type { Ledger } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { testAddress, waitFor } from '../actions/common';
import { answered, send } from './http';
import type { StepOutcome } from './outcome';
import { chainOutcome, chainState, finished, noteDelivered, type PurchaseFlowInput } from './purchaseFlow';

export interface LivePurchaseInput extends Omit<PurchaseFlowInput, 'signingSecret'> {
	/** The creator's Stripe secret key (n8n's "Stripe API" credential): the checkout link is made with it. */
	stripeKey: string | null;
	/** Where Stripe sends the buyer after paying. */
	successUrl: string;
}

const STRIPE_SESSIONS = 'https://api.stripe.com/v1/checkout/sessions';

/** The checkout link an earlier attempt of this step made, so running the step again never makes a second one. */
async function earlierLink(ledger: Ledger, runId: string): Promise<{ sessionId: string; url: string } | null> {
	const step = (await ledger.checklist.report(runId)).steps.find((s) => s.step === 'purchase_flow');
	const live = (step?.evidence as { checkout?: { sessionId?: unknown; url?: unknown } } | undefined)?.checkout;
	return typeof live?.sessionId === 'string' && typeof live.url === 'string' ? { sessionId: live.sessionId, url: live.url } : null;
}

/** A Stripe Checkout Session for the test buyer, carrying their checkout token (so the payment lands in the test launch). */
async function makeLink(ctx: IExecuteFunctions, input: LivePurchaseInput, email: string, token: string) {
	const { run } = input;
	const form = new URLSearchParams({
		mode: 'payment',
		'line_items[0][quantity]': '1',
		'line_items[0][price_data][currency]': input.currency.toLowerCase(),
		'line_items[0][price_data][unit_amount]': String(input.amount),
		'line_items[0][price_data][product_data][name]': `Pre-launch checklist test purchase (${run.id})`,
		customer_email: email,
		client_reference_id: token,
		'metadata[wl_token]': token,
		'metadata[product_id]': input.productId,
		'metadata[checklist_run]': run.id,
		'payment_intent_data[metadata][wl_token]': token,
		'payment_intent_data[metadata][product_id]': input.productId,
		success_url: input.successUrl,
	});
	return send(ctx, {
		method: 'POST',
		url: STRIPE_SESSIONS,
		body: form.toString(),
		// The run's key: a repeat of this request (a retried step) gets the same session back from Stripe.
		headers: { authorization: `Bearer ${input.stripeKey}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': `wl-checklist-${run.id}-live` },
	});
}

function linkFix(status: number | null, error: string | null, body: unknown): string {
	if (status === 401) return 'Stripe refused the secret key (401): select a "Stripe API" credential with your live secret key (Stripe → Developers → API keys → Secret key, sk_live_…) on this node.';
	const message = (body as { error?: { message?: string } } | null)?.error?.message;
	return `Stripe ${answered({ status, body, error })} when making the checkout link${message ? `: ${message}` : ''}. Check the amount and currency on this node, then run this step again.`;
}

/**
 * Step 3, live run: a real checkout link for a small amount (Stripe live mode), made once per run;
 * the step waits for the creator to pay through it, showing "waiting" with the link until the
 * payment arrives, then follows the same chain as the dry run: webhook → match → grant → delivery.
 */
export async function livePurchase(ctx: IExecuteFunctions, ledger: Ledger, input: LivePurchaseInput): Promise<StepOutcome> {
	const { run } = input;
	if (!input.stripeKey) return { status: 'failed', reason: 'No Stripe secret key to make the checkout link with.', fix: 'Select the "Stripe API" credential with your live secret key (sk_live_…) on this node; the checkout workflow uses the same one.', evidence: {} };
	const email = testAddress(input.testEmail, run, 'live-buyer');
	await ledger.checklist.prepareTestLaunch(run.id);
	// The test launch's product costs the small test amount, so the real payment is matched at its price.
	await ledger.purchases.defineProduct({ launch: run.testLaunch, productId: input.productId, name: 'Pre-launch checklist test purchase', amount: input.amount, currency: input.currency });
	const { contactId } = await ledger.contacts.upsert({ launch: run.testLaunch, email, isTest: true, source: 'checklist' });
	await ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: contactId, label: email });
	const token = await ledger.purchases.createCheckoutToken({ launch: run.testLaunch, contactId, productId: input.productId, source: 'checklist' });
	let link = await earlierLink(ledger, run.id);
	const evidence: IDataObject = { email, contactId, amount: input.amount, currency: input.currency, productId: input.productId };
	if (!link) {
		const answer = await makeLink(ctx, input, email, token.token);
		const session = answer.body as { id?: string; url?: string } | null;
		evidence.stripe = { status: answer.status, error: answer.error };
		if (answer.status !== 200 || !session?.id || !session.url) return { status: 'failed', reason: 'The checkout link could not be made.', fix: linkFix(answer.status, answer.error, answer.body), evidence };
		link = { sessionId: session.id, url: session.url };
		await ledger.checklist.noteRecord({ runId: run.id, system: 'stripe', kind: 'checkout_session', recordId: session.id, label: 'live test purchase (refund it in Stripe after the run)' });
	}
	evidence.checkout = link;
	const state = (await waitFor(async () => ((s) => (s.inbox && finished(s) ? s : null))(await chainState(ledger, input, contactId, null)), input.waitMs)) ?? (await chainState(ledger, input, contactId, null));
	if (!state.inbox) {
		const price = `${(input.amount / 100).toFixed(2)} ${input.currency.toUpperCase()}`;
		return { status: 'waiting', reason: `Waiting for your payment: open ${link.url} and pay ${price} with a real card (use ${email}). Then run this step again (same Run ID); it follows the payment through the webhook, the match, the grant and the delivery.`, fix: null, evidence };
	}
	evidence.ledger = { inbox: { id: state.inbox.id, eventId: state.inbox.eventId, status: state.inbox.status, decision: state.inbox.decision }, access: state.accessState, grants: state.grants.map((g) => ({ id: g.id, status: g.status, lastError: g.lastError })) };
	if (state.grants.some((g) => g.status === 'done')) await noteDelivered(ctx, ledger, input, email);
	return chainOutcome(state, evidence, input);
}
